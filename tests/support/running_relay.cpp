#include "tests/support/running_relay.hpp"

#include "proto/runtime/started_line.hpp"

#include <signal.h>

#include <utility>

namespace zchat::test {

namespace {

std::vector<std::string> command_line(const std::string& router, const std::string& pub,
                                      const relay_binding& below,
                                      const std::vector<std::string>& args) {
    std::vector<std::string> all{"--router",      router,       "--sub",      pub,
                                 "--bind-router", below.router, "--bind-pub", below.pub};
    all.insert(all.end(), args.begin(), args.end());
    return all;
}

} // namespace

running_relay::running_relay(const std::string& router, const std::string& pub, relay_binding below,
                             std::vector<std::string> args)
    : running_relay(command_line(router, pub, below, args)) {}

running_relay::running_relay(std::vector<std::string> command_line)
    : process_(ZCHAT_RELAY_PATH, std::move(command_line)) {
    const std::optional<std::string> line = process_.next_line(stream::out);
    const auto endpoints = line ? runtime::parse_started_line(*line) : std::nullopt;
    if (!endpoints) {
        process_.wait_for_exit(std::chrono::milliseconds(1000));
        throw process_error("the relay did not report its endpoints; it printed:\n" +
                            process_.text(stream::out) + "and on stderr:\n" +
                            process_.text(stream::err));
    }
    router_ = endpoints->router;
    pub_ = endpoints->pub;
}

std::optional<int> running_relay::stop(std::chrono::milliseconds timeout) {
    process_.send_signal(SIGTERM);
    return process_.wait_for_exit(timeout);
}

} // namespace zchat::test
