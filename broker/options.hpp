// The broker's settings, described once in its option table (proto/runtime/option_table.hpp):
// the command line, the config file (--config FILE) and --help all follow it, and the checks
// between options (a frame must hold the longest SAY, --allow needs --curve-secret) live here
// beside it.
//
// Pure: reads text, touches no socket. main.cpp decides exit codes.
#pragma once

#include "broker/server.hpp"
#include "proto/runtime/option_table.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace zchat::broker {

// Everything an option can set: the server's options, and the files CURVE is read from.
struct broker_settings {
    server_options server;
    std::string curve_secret_file;
    std::string allow_path;
};

using option_spec = runtime::option_spec<broker_settings>;

// Every option, in the order --help lists them.
std::span<const option_spec> broker_options();

// The option named `name`, if there is one.
const option_spec* find_option(std::string_view name);

// What is wrong with the settings as a whole, if anything, naming the options with `prefix`
// ("--" on the command line, "" in a config file).
std::optional<std::string> check_settings(const broker_settings& s, std::string_view prefix);

// Applies a config file's text (one `key = value` a line, `#` comments, no sections) to the
// settings. Errors are "SOURCE:LINE: what is wrong"; the first one stops the reading.
std::optional<std::string> apply_config(broker_settings& s, const std::string& text,
                                        std::string_view source);

} // namespace zchat::broker
