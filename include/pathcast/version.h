#ifndef PC_VERSION_H
#define PC_VERSION_H
#define PC_VERSION "0.1.0"
/* The version of the numerical recipes that turn a trained model and a
 * random key into paths (random numbers, their transform, exp).  Recorded
 * in every model's settings: results drawn by other recipes never mix with
 * these in one model version. */
#define PC_NUMERICS_VERSION 1
#endif
