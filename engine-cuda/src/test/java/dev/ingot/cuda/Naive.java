package dev.ingot.cuda;

import dev.ingot.core.spec.Conv2dSpec;
import dev.ingot.core.spec.Pool2dSpec;

/**
 * Plain-loop answers for the GPU tests of this module (engine-cuda cannot see the parity suite's
 * ReferenceBackend in {@code tests/}): each method is the formula of the Backend Javadoc, in
 * double, in the order of the math.
 */
final class Naive {
    private Naive() {
    }

    /** C (m x n) = op(A) op(B), row-major, op = transpose when asked. */
    static float[] gemm(boolean ta, boolean tb, int m, int n, int k, float alpha, float[] a, float[] b, float beta,
                        float[] c) {
        float[] out = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = ta ? a[p * m + i] : a[i * k + p];
                    double bv = tb ? b[j * k + p] : b[p * n + j];
                    s += av * bv;
                }
                out[i * n + j] = (float) (alpha * s + (beta == 0 ? 0 : beta * c[i * n + j]));
            }
        }
        return out;
    }

    static int outSize(int in, int kernel, int stride, int pad, int dilation) {
        return (in + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1;
    }

    static float[] convForward(float[] x, float[] w, float[] b, int n, int c, int h, int wd, int k, int r, int s,
                               Conv2dSpec sp) {
        int p = outSize(h, r, sp.strideH(), sp.padH(), sp.dilationH());
        int q = outSize(wd, s, sp.strideW(), sp.padW(), sp.dilationW());
        float[] y = new float[n * k * p * q];
        for (int in = 0; in < n; in++) {
            for (int ik = 0; ik < k; ik++) {
                for (int ip = 0; ip < p; ip++) {
                    for (int iq = 0; iq < q; iq++) {
                        double sum = b == null ? 0 : b[ik];
                        for (int ic = 0; ic < c; ic++) {
                            for (int ir = 0; ir < r; ir++) {
                                for (int is = 0; is < s; is++) {
                                    int hh = ip * sp.strideH() - sp.padH() + ir * sp.dilationH();
                                    int ww = iq * sp.strideW() - sp.padW() + is * sp.dilationW();
                                    if (hh >= 0 && hh < h && ww >= 0 && ww < wd) {
                                        sum += (double) x[((in * c + ic) * h + hh) * wd + ww]
                                                * w[((ik * c + ic) * r + ir) * s + is];
                                    }
                                }
                            }
                        }
                        y[((in * k + ik) * p + ip) * q + iq] = (float) sum;
                    }
                }
            }
        }
        return y;
    }

    static float[] convBackwardData(float[] dy, float[] w, int n, int c, int h, int wd, int k, int r, int s,
                                    Conv2dSpec sp) {
        int p = outSize(h, r, sp.strideH(), sp.padH(), sp.dilationH());
        int q = outSize(wd, s, sp.strideW(), sp.padW(), sp.dilationW());
        double[] dx = new double[n * c * h * wd];
        for (int in = 0; in < n; in++) {
            for (int ik = 0; ik < k; ik++) {
                for (int ip = 0; ip < p; ip++) {
                    for (int iq = 0; iq < q; iq++) {
                        double g = dy[((in * k + ik) * p + ip) * q + iq];
                        for (int ic = 0; ic < c; ic++) {
                            for (int ir = 0; ir < r; ir++) {
                                for (int is = 0; is < s; is++) {
                                    int hh = ip * sp.strideH() - sp.padH() + ir * sp.dilationH();
                                    int ww = iq * sp.strideW() - sp.padW() + is * sp.dilationW();
                                    if (hh >= 0 && hh < h && ww >= 0 && ww < wd) {
                                        dx[((in * c + ic) * h + hh) * wd + ww] += g * w[((ik * c + ic) * r + ir) * s + is];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return toFloat(dx);
    }

    static float[] convBackwardFilter(float[] x, float[] dy, int n, int c, int h, int wd, int k, int r, int s,
                                      Conv2dSpec sp) {
        int p = outSize(h, r, sp.strideH(), sp.padH(), sp.dilationH());
        int q = outSize(wd, s, sp.strideW(), sp.padW(), sp.dilationW());
        double[] dw = new double[k * c * r * s];
        for (int in = 0; in < n; in++) {
            for (int ik = 0; ik < k; ik++) {
                for (int ip = 0; ip < p; ip++) {
                    for (int iq = 0; iq < q; iq++) {
                        double g = dy[((in * k + ik) * p + ip) * q + iq];
                        for (int ic = 0; ic < c; ic++) {
                            for (int ir = 0; ir < r; ir++) {
                                for (int is = 0; is < s; is++) {
                                    int hh = ip * sp.strideH() - sp.padH() + ir * sp.dilationH();
                                    int ww = iq * sp.strideW() - sp.padW() + is * sp.dilationW();
                                    if (hh >= 0 && hh < h && ww >= 0 && ww < wd) {
                                        dw[((ik * c + ic) * r + ir) * s + is] += g * x[((in * c + ic) * h + hh) * wd + ww];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return toFloat(dw);
    }

    /** Max pooling forward and, into {@code dx}, backward with the first-max rule. */
    static float[] maxPool(float[] x, float[] dy, float[] dx, int n, int c, int h, int w, Pool2dSpec sp) {
        int p = (h + 2 * sp.padH() - sp.kernelH()) / sp.strideH() + 1;
        int q = (w + 2 * sp.padW() - sp.kernelW()) / sp.strideW() + 1;
        float[] y = new float[n * c * p * q];
        if (dx != null) {
            java.util.Arrays.fill(dx, 0f);
        }
        for (int plane = 0; plane < n * c; plane++) {
            for (int ip = 0; ip < p; ip++) {
                for (int iq = 0; iq < q; iq++) {
                    float best = Float.NEGATIVE_INFINITY;
                    int at = -1;
                    for (int i = 0; i < sp.kernelH(); i++) {
                        for (int j = 0; j < sp.kernelW(); j++) {
                            int hh = ip * sp.strideH() - sp.padH() + i;
                            int ww = iq * sp.strideW() - sp.padW() + j;
                            if (hh >= 0 && hh < h && ww >= 0 && ww < w) {
                                float v = x[(plane * h + hh) * w + ww];
                                if (at < 0 || v > best) {
                                    best = v;
                                    at = (plane * h + hh) * w + ww;
                                }
                            }
                        }
                    }
                    y[(plane * p + ip) * q + iq] = best;
                    if (dx != null) {
                        dx[at] += dy[(plane * p + ip) * q + iq];
                    }
                }
            }
        }
        return y;
    }

    /** Average pooling (over real pixels) forward and, into {@code dx}, backward. */
    static float[] avgPool(float[] x, float[] dy, float[] dx, int n, int c, int h, int w, Pool2dSpec sp) {
        int p = (h + 2 * sp.padH() - sp.kernelH()) / sp.strideH() + 1;
        int q = (w + 2 * sp.padW() - sp.kernelW()) / sp.strideW() + 1;
        float[] y = new float[n * c * p * q];
        double[] g = dx == null ? null : new double[dx.length];
        for (int plane = 0; plane < n * c; plane++) {
            for (int ip = 0; ip < p; ip++) {
                for (int iq = 0; iq < q; iq++) {
                    double sum = 0;
                    int count = 0;
                    for (int i = 0; i < sp.kernelH(); i++) {
                        for (int j = 0; j < sp.kernelW(); j++) {
                            int hh = ip * sp.strideH() - sp.padH() + i;
                            int ww = iq * sp.strideW() - sp.padW() + j;
                            if (hh >= 0 && hh < h && ww >= 0 && ww < w) {
                                sum += x == null ? 0 : x[(plane * h + hh) * w + ww];
                                count++;
                            }
                        }
                    }
                    y[(plane * p + ip) * q + iq] = (float) (sum / count);
                    if (g != null) {
                        double share = dy[(plane * p + ip) * q + iq] / (double) count;
                        for (int i = 0; i < sp.kernelH(); i++) {
                            for (int j = 0; j < sp.kernelW(); j++) {
                                int hh = ip * sp.strideH() - sp.padH() + i;
                                int ww = iq * sp.strideW() - sp.padW() + j;
                                if (hh >= 0 && hh < h && ww >= 0 && ww < w) {
                                    g[(plane * h + hh) * w + ww] += share;
                                }
                            }
                        }
                    }
                }
            }
        }
        if (g != null) {
            System.arraycopy(toFloat(g), 0, dx, 0, dx.length);
        }
        return y;
    }

    static float[] softmax(float[] x, int rows, int cols, boolean log) {
        float[] y = new float[x.length];
        for (int r = 0; r < rows; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < cols; i++) {
                max = Math.max(max, x[r * cols + i]);
            }
            double sum = 0;
            for (int i = 0; i < cols; i++) {
                sum += Math.exp(x[r * cols + i] - max);
            }
            for (int i = 0; i < cols; i++) {
                y[r * cols + i] = (float) (log ? x[r * cols + i] - max - Math.log(sum) : Math.exp(x[r * cols + i] - max) / sum);
            }
        }
        return y;
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
