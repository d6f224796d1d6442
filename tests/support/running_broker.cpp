#include "tests/support/running_broker.hpp"

#include <signal.h>

#include <cassert>
#include <utility>

namespace zchat::test {
namespace {

using namespace std::chrono_literals;

child_process start(const broker_options& o) {
    std::vector<std::string> command = o.wrapper;
    command.push_back(ZCHAT_BROKER_PATH);
    std::vector<std::string> args(command.begin() + 1, command.end());
    args.insert(args.end(), {"--router", o.router, "--pub", o.pub});
    args.insert(args.end(), o.args.begin(), o.args.end());
    return child_process(command.front(), std::move(args));
}

} // namespace

running_broker::running_broker(broker_options options) : process_(start(options)) {
    constexpr std::string_view router_tag = "Chat broker started: router ";
    constexpr std::string_view pub_tag = ", pub ";
    const std::optional<std::string> line = process_.next_line(stream::out);
    const std::size_t pub_at = line ? line->find(pub_tag) : std::string::npos;
    if (!line || !line->starts_with(router_tag) || pub_at == std::string::npos) {
        process_.wait_for_exit(1000ms);
        throw process_error("the broker did not report its endpoints; it printed:\n" +
                            process_.text(stream::out) + "and on stderr:\n" +
                            process_.text(stream::err));
    }
    router_ = line->substr(router_tag.size(), pub_at - router_tag.size());
    pub_ = line->substr(pub_at + pub_tag.size());
    if (options.drain) {
        draining_.store(true);
        drain_ = std::thread([this] {
            // Short reads, so that stop_draining never waits long for the thread.
            while (draining_.load())
                process_.next_line(stream::out, 50ms);
        });
    }
}

running_broker::~running_broker() {
    stop_draining();
}

child_process& running_broker::process() {
    // The drain thread owns the process while it runs: child_process is not thread-safe.
    assert(!drain_.joinable());
    return process_;
}

const child_process& running_broker::process() const {
    assert(!drain_.joinable());
    return process_;
}

std::optional<int> running_broker::stop(std::chrono::milliseconds timeout) {
    stop_draining();
    process_.send_signal(SIGINT);
    return process_.wait_for_exit(timeout);
}

void running_broker::stop_draining() {
    draining_.store(false);
    if (drain_.joinable())
        drain_.join();
}

} // namespace zchat::test
