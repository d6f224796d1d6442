// A broker::server bound to free loopback ports and serving in a thread of its own, for the
// tests of the broker's socket shell and of the client's receive thread. Tests that need the
// real executable (signals, exit codes, its output) use tests/support/running_broker.hpp.
#pragma once

#include "broker/server.hpp"
#include "tests/broker/loopback_options.hpp"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <exception>
#include <sstream>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

namespace zchat::test {

class in_process_broker {
public:
    // Serves with `ctx`, which must outlive this broker.
    in_process_broker(zmq::context_t& ctx, const broker::server_options& options)
        : server_(ctx, options), stop_fd_(eventfd(0, EFD_CLOEXEC)),
          sink_(log_, options.core.logging) {
        if (stop_fd_ < 0)
            throw std::system_error(errno, std::generic_category(), "eventfd");
        thread_ = std::thread([this] {
            try {
                broker::run_control control;
                control.stop_fd = stop_fd_;
                server_.run(control, sink_);
            } catch (...) {
                failure_ = std::current_exception();
            }
        });
    }
    in_process_broker(zmq::context_t& ctx, broker::config cfg)
        : in_process_broker(ctx, broker::loopback_options(std::move(cfg))) {}
    in_process_broker(const in_process_broker&) = delete;
    in_process_broker& operator=(const in_process_broker&) = delete;

    ~in_process_broker() {
        if (thread_.joinable()) {
            signal_stop();
            thread_.join();
        }
        close(stop_fd_);
    }

    // Asks run() to return, waits until it has, and rethrows anything it threw.
    void stop() {
        signal_stop();
        thread_.join();
        if (failure_)
            std::rethrow_exception(failure_);
    }

    // The broker's log, one entry per line, without the time: "INFO join name=alice online=1".
    // The log belongs to the broker's thread while it runs: only after stop().
    std::vector<std::string> log_lines() const {
        EXPECT_FALSE(thread_.joinable()) << "the log is read while the broker runs";
        std::vector<std::string> lines;
        std::istringstream in(log_.str());
        for (std::string line; std::getline(in, line);)
            lines.push_back(line.substr(line.find(' ') + 1));
        return lines;
    }

    const broker::server& bound() const { return server_; }
    const std::string& router() const { return server_.router_endpoint(); }
    const std::string& pub() const { return server_.pub_endpoint(); }

private:
    void signal_stop() const {
        const std::uint64_t one = 1;
        if (write(stop_fd_, &one, sizeof one) != sizeof one)
            ADD_FAILURE() << "cannot signal the broker to stop";
    }

    broker::server server_;
    int stop_fd_;
    std::ostringstream log_;
    broker::log_sink sink_;
    std::thread thread_;
    std::exception_ptr failure_;
};

} // namespace zchat::test
