#include "proto/runtime/curve_client.hpp"

#include "proto/runtime/curve_keys.hpp"

namespace zchat::runtime {

curve_client_keys load_client_keys(const std::string& server_key_file,
                                   const std::string& secret_key_file) {
    curve_client_keys keys;
    keys.server_key = read_key_file(server_key_file, key_kind::public_key);
    if (secret_key_file.empty()) {
        auto pair = generate_key_pair();
        keys.public_key = std::move(pair.public_key);
        keys.secret_key = std::move(pair.secret_key);
    } else {
        keys.secret_key = read_key_file(secret_key_file, key_kind::secret_key);
        keys.public_key = public_key_of(keys.secret_key);
    }
    return keys;
}

void use_curve(zmq::socket_t& socket, const curve_client_keys& keys) {
    socket.set(zmq::sockopt::curve_serverkey, keys.server_key);
    socket.set(zmq::sockopt::curve_publickey, keys.public_key);
    socket.set(zmq::sockopt::curve_secretkey, keys.secret_key);
}

} // namespace zchat::runtime
