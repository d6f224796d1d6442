// The relay's settings, described once in its option table (proto/runtime/option_table.hpp):
// the command line, the config file (--config FILE) and --help all follow it, and the checks
// between options (both endpoints below, the CURVE options together) live here beside it.
//
// Pure: reads text, touches no socket. main.cpp decides exit codes and reads the key files.
#pragma once

#include "proto/runtime/option_table.hpp"
#include "relay/relay.hpp"

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace zchat::relay {

// Everything an option can set: the relay's options, and the files CURVE is read from.
struct relay_settings {
    relay_options relay;
    std::string curve_secret_file;
    std::string curve_server_key_file;
    std::string allow_path;
};

using option_spec = runtime::option_spec<relay_settings>;

// Every option, in the order --help lists them.
std::span<const option_spec> relay_option_table();

// What is wrong with the settings as a whole, if anything, naming the options with `prefix`
// ("--" on the command line, "" in a config file).
std::optional<std::string> check_settings(const relay_settings& s, std::string_view prefix);

} // namespace zchat::relay
