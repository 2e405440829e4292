# Sourced on a GPU machine, in the checkout's root, after scripts/gpu-bundle.sh filled .gpu/ (it copies
# this file there): unpacks the bundled Java runtime (.gpu/jre.txz; xz, else Python's lzma) to /tmp/ingot-jre-<checksum> (once) and points Ingot's CUDA library
# search (INGOT_CUDA_LIBRARY_PATH) and the dynamic loader (LD_LIBRARY_PATH) at every CUDA library folder
# it finds: the toolkit's, the driver's, and the nvidia/*/lib folders of the Python environments.
# Prints what it found. (Adapted from the workspace's shared gpu-env.sh.)
# One folder per bundle (its checksum), so that a runtime unpacked from an older bundle is never reused.
jre_dir=/tmp/ingot-jre-$(cksum < .gpu/jre.txz | cut -d' ' -f1)
if [[ ! -x $jre_dir/jre/bin/java ]]; then
  mkdir -p "$jre_dir"
  if command -v xz >/dev/null; then tar xJf .gpu/jre.txz -C "$jre_dir"
  else python3 -c 'import sys, tarfile; tarfile.open(".gpu/jre.txz").extractall(sys.argv[1])' "$jre_dir"; fi
fi
export JAVA_HOME=$jre_dir/jre PATH=$jre_dir/jre/bin:$PATH
libdirs=()
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/local/cuda/lib64 /usr/local/cuda/targets/x86_64-linux/lib; do
  [[ -d $d ]] && libdirs+=("$d")
done
site=$(python3 -c 'import site; print(" ".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null)
# The device's python3 is PyTorch's venv (/opt/torch/.venv); the glob finds it should another python3 come first.
# CUDA 13 wheels keep cuBLAS, NVRTC and cudart in nvidia/cu13/lib, cuDNN in nvidia/cudnn/lib: nvidia/*/lib has both.
for s in $site /opt/*/.venv/lib/python3*/site-packages; do
  for d in "$s"/nvidia/*/lib; do
    [[ -d $d && " ${libdirs[*]} " != *" $d "* ]] && libdirs+=("$d")
  done
done
INGOT_CUDA_LIBRARY_PATH=$(IFS=:; echo "${libdirs[*]}")
export INGOT_CUDA_LIBRARY_PATH LD_LIBRARY_PATH=$INGOT_CUDA_LIBRARY_PATH${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
echo "gpu-env: java $(java -version 2>&1 | head -1)"
echo "gpu-env: INGOT_CUDA_LIBRARY_PATH=$INGOT_CUDA_LIBRARY_PATH"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/gpu-env: /'
for l in libcuda.so.1 libcudnn.so.9 libcublas.so.13 libcublas.so.12 libnvrtc.so.13 libnvrtc.so.12; do
  f=$(for d in ${INGOT_CUDA_LIBRARY_PATH//:/ } /usr/lib/x86_64-linux-gnu /usr/local/nvidia/lib64 /usr/lib64; do [[ -e $d/$l ]] && echo "$d/$l" && break; done)
  [[ -z $f ]] && f=$(ldconfig -p 2>/dev/null | awk -v l="$l" '$1==l{print $NF; exit}')
  echo "gpu-env: $l -> ${f:-not found}"
done
