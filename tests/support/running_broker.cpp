#include "tests/support/running_broker.hpp"

#include "proto/runtime/started_line.hpp"

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

// The entry of a log line: what follows its time stamp, or the whole line if it has none.
std::string_view entry_of(std::string_view line) {
    // 2026-12-04T15:04:05.123Z, then a space.
    constexpr std::size_t stamp = 24;
    const bool stamped = line.size() > stamp && line[stamp] == ' ' && line[stamp - 1] == 'Z' &&
                         line[10] == 'T' && line[4] == '-' && line[19] == '.';
    return stamped ? line.substr(stamp + 1) : line;
}

} // namespace

std::vector<std::string> log_entries(const child_process& broker) {
    std::vector<std::string> entries;
    for (const std::string& line : broker.lines(stream::err))
        entries.emplace_back(entry_of(line));
    return entries;
}

line_matcher log_entry(std::string entry) {
    std::string description = "a log line \"TIME " + entry + '"';
    return {[entry = std::move(entry)](std::string_view l) { return entry_of(l) == entry; },
            std::move(description)};
}

line_matcher log_entry_starting_with(std::string prefix) {
    std::string description = "a log line \"TIME " + prefix + "...\"";
    return {[prefix = std::move(prefix)](std::string_view l) {
                return entry_of(l).starts_with(prefix);
            },
            std::move(description)};
}

running_broker::running_broker(broker_options options) : process_(start(options)) {
    const std::optional<std::string> line = process_.next_line(stream::out);
    const auto endpoints = line ? runtime::parse_started_line(*line) : std::nullopt;
    if (!endpoints) {
        process_.wait_for_exit(1000ms);
        throw process_error("the broker did not report its endpoints; it printed:\n" +
                            process_.text(stream::out) + "and on stderr:\n" +
                            process_.text(stream::err));
    }
    router_ = endpoints->router;
    pub_ = endpoints->pub;
    if (options.drain) {
        draining_.store(true);
        drain_ = std::thread([this] {
            // Short reads, so that stop_draining never waits long for the thread.
            while (draining_.load())
                process_.next_line(stream::err, 50ms);
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
