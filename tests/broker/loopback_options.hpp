// Server options for tests that run a broker in-process: both sockets on free loopback ports
// (read the bound ones back from the server), so tests run in parallel.
#pragma once

#include "broker/server.hpp"

namespace zchat::broker {

inline server_options loopback_options(config cfg) {
    server_options options;
    options.router_endpoint = "tcp://127.0.0.1:*";
    options.pub_endpoint = "tcp://127.0.0.1:*";
    options.core = std::move(cfg);
    return options;
}

} // namespace zchat::broker
