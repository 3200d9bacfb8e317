/* ops.h — the training kernels (forward and backward of each op), in float and double.
 * The double variants run the same source (train/ops.inc) for the gradient checks. */
#ifndef CM_TRAIN_OPS_H
#define CM_TRAIN_OPS_H

#include "train/train.h"

/* Attention's query rows a block (train/ops.inc): the forward's scores and the backward's
 * gradient block are (rows, keys) matrices. */
#ifndef TR_ATT_ROWS
#define TR_ATT_ROWS 256
#endif

#define R float
#define SFX(x) x##_f32
#include "train/ops_decl.inc"
#undef R
#undef SFX
#define R double
#define SFX(x) x##_f64
#include "train/ops_decl.inc"
#undef R
#undef SFX

#endif
