#include "client/pipe.hpp"

#include <cassert>

namespace zchat::client::pipe {

void send(zmq::socket_t& pipe, const pipe_message& m) {
    pipe.send(zmq::buffer(encode(m)));
}

bool try_send(zmq::socket_t& pipe, const pipe_message& m) {
    return pipe.send(zmq::buffer(encode(m)), zmq::send_flags::dontwait).has_value();
}

std::optional<pipe_message> receive(zmq::socket_t& pipe) {
    zmq::message_t frame;
    if (!pipe.recv(frame, zmq::recv_flags::dontwait))
        return std::nullopt;
    auto m = decode_pipe_message(frame.to_string_view());
    // Only this program writes to the pipe, with encode().
    assert(m);
    return m;
}

} // namespace zchat::client::pipe
