#include "broker/log_sink.hpp"

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

namespace zchat::broker {

log_sink::log_sink(const std::string& path, log_level level)
    : out_(&file_), level_(level), path_(path) {
    file_.open(path, std::ios::app);
    if (!file_)
        throw std::runtime_error("cannot open log file " + path + ": " + std::strerror(errno));
}

void log_sink::write(const log_entry& entry) {
    if (!wants(entry.level))
        return;
    *out_ << format_log_line(std::chrono::system_clock::now(), entry) << '\n';
    out_->flush();
}

void log_sink::write(std::span<const log_entry> entries) {
    if (entries.empty())
        return;
    const auto now = std::chrono::system_clock::now();
    for (const log_entry& entry : entries)
        if (wants(entry.level))
            *out_ << format_log_line(now, entry) << '\n';
    out_->flush();
}

std::optional<std::string> log_sink::reopen() {
    if (path_.empty())
        return std::nullopt;
    file_.close();
    file_.clear();
    file_.open(path_, std::ios::app);
    if (file_) {
        out_ = &file_;
        return std::nullopt;
    }
    out_ = &std::cerr;
    return "cannot reopen log file " + path_ + ": " + std::strerror(errno) +
           "; logging to standard error";
}

} // namespace zchat::broker
