// The client side of CurveZMQ, shared by zchat-client and zchat-tap: the keys from their
// --curve-server-key and --curve-secret files, set on a socket, and a watch on the socket's
// security handshakes so that a refusal ends the program with its reason instead of a silent
// wait (libzmq retries a refused handshake for ever and delivers nothing).
#pragma once

#include <zmq.hpp>

#include <optional>
#include <string>

namespace zchat::tools {

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

// A failed security handshake, worded for the user ("the broker refused our key ..."). A final
// one (a refusal, a mechanism mismatch) will fail again on every retry; any other (the
// connection dropped mid-handshake, as it does when the broker cannot decrypt our greeting
// because we hold the wrong server key, or when it restarts) may not.
struct handshake_failure {
    std::string reason;
    bool final = false;
};

// Watches the security handshakes of one socket through a monitor of its own. Poll events();
// when it is readable, failure() says whether a handshake failed and why. The watched socket
// must outlive the watch.
class handshake_watch {
public:
    handshake_watch(zmq::context_t& ctx, zmq::socket_t& watched);
    ~handshake_watch();
    handshake_watch(const handshake_watch&) = delete;
    handshake_watch& operator=(const handshake_watch&) = delete;

    zmq::socket_t& events() { return events_; }

    // Reads every waiting event; the most telling failed handshake among them (a final one
    // first), or nullopt.
    std::optional<handshake_failure> failure();

private:
    zmq::socket_t& watched_;
    zmq::socket_t events_;
};

} // namespace zchat::tools
