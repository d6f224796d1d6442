// What every zchat executable does the same way at the process level: exit codes and the
// signals that ask it to stop.
#pragma once

namespace zchat::runtime {

// Exit codes, the same for every executable and listed in each --help.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failure = 1; // runtime failure: unreachable, refused, cannot bind, ...
inline constexpr int exit_usage = 2;   // bad flag or malformed endpoint
// The configuration (a config file, or the key and allowlist files it names) is unusable: sysexits
// EX_CONFIG, for the broker and the relay.
inline constexpr int exit_config = 78;

// Blocks SIGINT and SIGTERM in the calling thread and every thread started after it (libzmq's
// included), and returns a descriptor that becomes readable when one arrives, so a poll loop
// sees a signal exactly as it sees a message. Call first thing in main. Throws
// std::system_error if the descriptor cannot be made.
int stop_signal_descriptor();

// The same for SIGHUP, which asks a server to read its configuration again: blocked, and seen
// through the returned descriptor. Call first thing in main, like stop_signal_descriptor.
int reload_signal_descriptor();

// The same for SIGUSR1, which asks a server to reopen its log file (after logrotate moved it).
int reopen_signal_descriptor();

} // namespace zchat::runtime
