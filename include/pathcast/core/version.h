#ifndef PC_VERSION_H
#define PC_VERSION_H
#define PC_VERSION "0.1.0"
/* The version of the numbers the models produce from their inputs.  It is
 * part of every model's stored settings (pc_job_model_settings), so a store
 * never mixes results of two numerics under one model version (README,
 * "Upgrading").
 *   1  normals by the ziggurat over Philox streams; glibc's exp
 *   2  the same normals; the ziggurat's wedge test and the path prices use
 *      pathcast's own exp (identical on every CPU and SIMD width) */
#define PC_NUMERICS_VERSION 2
#endif
