/* Stop requests.  The flag is the one process-wide variable in pathcast: a
 * signal handler has no other way to reach the run. */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <string.h>

#include "pathcast/core/signal.h"

/* volatile sig_atomic_t is the only object type C11 lets a handler write and
 * the main flow read safely. It is never reset: once asked to stop, the run
 * stays stopping. */
static volatile sig_atomic_t stop_requested = 0;

static void on_stop_signal(int sig) {
  (void)sig;
  stop_requested = 1;
}

/* No SA_RESTART: an interrupted blocking call returns EINTR, and the run
 * reaches its next check of the flag between units (docs/DESIGN.md,
 * "Stopping"), after the unit in flight is committed. */
void pc_signal_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
}

int pc_signal_pending(void) { return stop_requested != 0; }
