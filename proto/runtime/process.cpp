#include "proto/runtime/process.hpp"

#include <sys/signalfd.h>

#include <cerrno>
#include <csignal>
#include <initializer_list>
#include <system_error>

namespace zchat::runtime {

namespace {

int signal_descriptor(std::initializer_list<int> which) {
    sigset_t signals;
    sigemptyset(&signals);
    for (const int s : which)
        sigaddset(&signals, s);
    if (const int rc = pthread_sigmask(SIG_BLOCK, &signals, nullptr); rc != 0)
        throw std::system_error(rc, std::generic_category(), "pthread_sigmask");
    const int fd = signalfd(-1, &signals, SFD_CLOEXEC);
    if (fd < 0)
        throw std::system_error(errno, std::generic_category(), "signalfd");
    return fd;
}

} // namespace

int stop_signal_descriptor() {
    return signal_descriptor({SIGINT, SIGTERM});
}

int reload_signal_descriptor() {
    return signal_descriptor({SIGHUP});
}

int reopen_signal_descriptor() {
    return signal_descriptor({SIGUSR1});
}

} // namespace zchat::runtime
