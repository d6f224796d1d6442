#include "client/pipe.hpp"

#include <zmq_addon.hpp>

#include <array>
#include <vector>

namespace zchat::client::pipe {

void send(zmq::socket_t& pipe, std::string_view kind, std::string_view payload) {
    const std::array<zmq::const_buffer, 2> parts{zmq::buffer(kind), zmq::buffer(payload)};
    zmq::send_multipart(pipe, parts);
}

void send_print(zmq::socket_t& pipe, const printed& line) {
    std::string payload(1, static_cast<char>(line.look));
    payload += line.text;
    send(pipe, print, payload);
}

void send_done(zmq::socket_t& pipe, int exit_code) {
    send(pipe, done, std::string(1, static_cast<char>(exit_code)));
}

std::optional<message> receive(zmq::socket_t& pipe) {
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(pipe, std::back_inserter(parts), zmq::recv_flags::dontwait))
        return std::nullopt;
    message m;
    m.kind = parts.at(0).to_string();
    if (parts.size() > 1)
        m.payload = parts[1].to_string();
    return m;
}

printed as_printed(const std::string& payload) {
    if (payload.empty())
        return {};
    return {static_cast<style>(payload[0]), payload.substr(1)};
}

} // namespace zchat::client::pipe
