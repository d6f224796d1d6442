#include "proto/runtime/bind.hpp"

#include <cerrno>

namespace zchat::runtime {

bool bind_error::malformed() const {
    return errno_code == EINVAL || errno_code == EPROTONOSUPPORT || errno_code == ENODEV;
}

std::string bind_endpoint(zmq::socket_t& socket, std::string_view role,
                          const std::string& endpoint) {
    try {
        socket.bind(endpoint);
    } catch (const zmq::error_t& e) {
        throw bind_error("cannot bind " + std::string{role} + " endpoint '" + endpoint +
                             "': " + e.what(),
                         e.num());
    }
    return socket.get(zmq::sockopt::last_endpoint);
}

} // namespace zchat::runtime
