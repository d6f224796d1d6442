// The client side of CurveZMQ, shared by zchat-client and zchat-tap: the keys from their
// --curve-server-key and --curve-secret files, set on a socket. connection_watch.hpp tells
// them when the broker refuses the handshake.
#pragma once

#include <zmq.hpp>

#include <string>

namespace zchat::runtime {

struct curve_client_keys {
    std::string server_key; // the broker's public key, Z85
    std::string public_key; // ours
    std::string secret_key; // ours
};

// Reads the broker's public key file and our secret key file. Without a secret key file, makes
// a key pair for this run only (enough for a broker that accepts any key). Throws key_error.
curve_client_keys load_client_keys(const std::string& server_key_file,
                                   const std::string& secret_key_file);

// Makes `socket` speak CURVE to the broker. Call before connect.
void use_curve(zmq::socket_t& socket, const curve_client_keys& keys);

} // namespace zchat::runtime
