/* Transcribed from NCCL 2.x's nccl.h (src/nccl.h.in, NCCL 2.18-2.23: unchanged for these calls).
   Only the declarations Ingot binds; the types as the header defines them:
   typedef struct ncclComm* ncclComm_t;
   #define NCCL_UNIQUE_ID_BYTES 128
   typedef struct { char internal[NCCL_UNIQUE_ID_BYTES]; } ncclUniqueId;
   typedef enum { ncclSuccess = 0, ..., ncclInProgress = 7, ... } ncclResult_t;
   typedef enum { ncclSum = 0, ncclProd = 1, ncclMax = 2, ncclMin = 3, ncclAvg = 4, ... } ncclRedOp_t;
   typedef enum { ncclInt8 = 0, ncclUint8 = 1, ..., ncclFloat32 = 7, ... } ncclDataType_t; */
ncclResult_t ncclGetVersion(int *version);
ncclResult_t ncclGetUniqueId(ncclUniqueId* uniqueId);
ncclResult_t ncclCommInitRank(ncclComm_t* comm, int nranks, ncclUniqueId commId, int rank);
ncclResult_t ncclCommDestroy(ncclComm_t comm);
ncclResult_t ncclCommAbort(ncclComm_t comm);
ncclResult_t ncclCommGetAsyncError(ncclComm_t comm, ncclResult_t *asyncError);
const char* ncclGetErrorString(ncclResult_t result);
ncclResult_t ncclAllReduce(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, ncclRedOp_t op, ncclComm_t comm, cudaStream_t stream);
ncclResult_t ncclBroadcast(const void* sendbuff, void* recvbuff, size_t count, ncclDataType_t datatype, int root, ncclComm_t comm, cudaStream_t stream);
ncclResult_t ncclGroupStart();
ncclResult_t ncclGroupEnd();
