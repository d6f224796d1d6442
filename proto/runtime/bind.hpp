// Binding a server's socket, as the broker and the relay do: the endpoint actually bound, with a
// wildcard port resolved, or a bind_error that names the socket's role, the endpoint and why.
#pragma once

#include <zmq.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace zchat::runtime {

// An endpoint could not be bound: says which one and why; errno_code tells a malformed endpoint
// (EINVAL, EPROTONOSUPPORT, ...) from one that is merely unavailable (EADDRINUSE, ...).
struct bind_error : std::runtime_error {
    bind_error(const std::string& what, int code) : std::runtime_error(what), errno_code(code) {}
    int errno_code;
    // Whether the endpoint itself is wrong (a usage error), rather than taken or unavailable.
    bool malformed() const;
};

// Binds `socket` to `endpoint` and returns the endpoint bound. `role` names the socket in the
// error ("router", "pub"). Throws bind_error.
std::string bind_endpoint(zmq::socket_t& socket, std::string_view role,
                          const std::string& endpoint);

} // namespace zchat::runtime
