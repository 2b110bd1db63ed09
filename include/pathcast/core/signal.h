/* Stop requests: SIGTERM, SIGINT and SIGUSR1 ask a run to stop after the
 * unit in flight, commit, and return PC_INTERRUPTED (migrate: between
 * files).  Installed first thing by main; polled between units of work. */
#ifndef PC_SIGNAL_H
#define PC_SIGNAL_H

void pc_signal_install(void);
int pc_signal_pending(void);

#endif
