/* The stationarity/invertibility transformation of ARIMA coefficients
 * (Jones 1980, Monahan 1984; see arima.h).  The optimiser works on
 * unconstrained values, so every point it tries is a stationary, invertible
 * model and the exact likelihood always exists. */
#include "arima.h"

#include <math.h>

/* Durbin-Levinson from partial autocorrelations to AR coefficients, the
 * same recursion as R's partrans(). */
static void pacf_to_coef(const double *pacf, int p, double *phi) {
  double work[PC_ARIMA_MAX_P > PC_ARIMA_MAX_Q ? PC_ARIMA_MAX_P
                                              : PC_ARIMA_MAX_Q];
  for (int j = 0; j < p; j++) {
    work[j] = phi[j] = pacf[j];
  }
  for (int j = 1; j < p; j++) {
    double a = phi[j];
    for (int k = 0; k < j; k++) {
      work[k] -= a * phi[j - k - 1];
    }
    for (int k = 0; k < j; k++) {
      phi[k] = work[k];
    }
  }
}

/* The inverse recursion; fails when a partial autocorrelation is not inside
 * (-1, 1), which is exactly when phi is not stationary. */
static int coef_to_pacf(const double *phi, int p, double *pacf) {
  double cur[PC_ARIMA_MAX_P > PC_ARIMA_MAX_Q ? PC_ARIMA_MAX_P
                                             : PC_ARIMA_MAX_Q];
  double prev[sizeof cur / sizeof cur[0]];
  for (int j = 0; j < p; j++) {
    cur[j] = phi[j];
  }
  for (int j = p - 1; j >= 0; j--) {
    double a = cur[j];
    if (!(fabs(a) < 1.0)) {
      return -1;
    }
    pacf[j] = a;
    for (int k = 0; k < j; k++) {
      prev[k] = (cur[k] + a * cur[j - k - 1]) / (1.0 - a * a);
    }
    for (int k = 0; k < j; k++) {
      cur[k] = prev[k];
    }
  }
  return 0;
}

/* raw (unbounded) to phi through tanh, so any real vector the optimiser
 * proposes is a stationary AR polynomial. Near |tanh| = 1 the map is flat; the
 * fit adds a wall there (docs/MODELS.md, "Estimation"). */
void pc_arima_pacf_to_ar(const double *raw, int p, double *phi) {
  double pacf[PC_ARIMA_MAX_P] = {0};
  for (int j = 0; j < p; j++) {
    pacf[j] = tanh(raw[j]);
  }
  pacf_to_coef(pacf, p, phi);
}

/* The inverse, for starting values from an earlier fit (the order search's
 * neighbours start from the current best model). -1 when phi is not stationary:
 * the caller must then start elsewhere, since atanh of a value outside (-1, 1)
 * does not exist. */
int pc_arima_ar_to_pacf(const double *phi, int p, double *raw) {
  double pacf[PC_ARIMA_MAX_P] = {0};
  if (coef_to_pacf(phi, p, pacf) != 0) {
    return -1;
  }
  for (int j = 0; j < p; j++) {
    raw[j] = atanh(pacf[j]);
  }
  return 0;
}

/* 1 + theta_1 z + ... is invertible exactly when 1 - (-theta_1) z - ... is
 * stationary, so the MA map is the AR map with the signs flipped. */
void pc_arima_pacf_to_ma(const double *raw, int q, double *theta) {
  double pacf[PC_ARIMA_MAX_Q] = {0};
  for (int j = 0; j < q; j++) {
    pacf[j] = tanh(raw[j]);
  }
  pacf_to_coef(pacf, q, theta);
  for (int j = 0; j < q; j++) {
    theta[j] = -theta[j];
  }
}

int pc_arima_ma_to_pacf(const double *theta, int q, double *raw) {
  double neg[PC_ARIMA_MAX_Q] = {0}, pacf[PC_ARIMA_MAX_Q] = {0};
  for (int j = 0; j < q; j++) {
    neg[j] = -theta[j];
  }
  if (coef_to_pacf(neg, q, pacf) != 0) {
    return -1;
  }
  for (int j = 0; j < q; j++) {
    raw[j] = atanh(pacf[j]);
  }
  return 0;
}
