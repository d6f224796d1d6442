#include "proto/runtime/zap_handler.hpp"

#include "proto/runtime/bind.hpp"

#include <zmq_addon.hpp>

#include <iterator>
#include <vector>

namespace zchat::runtime {
namespace {

// Where libzmq sends every security handshake of the context for approval.
constexpr const char* zap_endpoint = "inproc://zeromq.zap.01";

} // namespace

zap_handler::zap_handler(zmq::context_t& ctx) : socket_(ctx, zmq::socket_type::rep) {
    socket_.set(zmq::sockopt::linger, 0);
    bind_endpoint(socket_, "ZAP handler", zap_endpoint);
}

std::optional<zap_answer> zap_handler::answer_one(const allowlist& allowed) {
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(socket_, std::back_inserter(parts), zmq::recv_flags::dontwait))
        return std::nullopt;
    std::vector<std::string_view> request;
    for (const zmq::message_t& part : parts)
        request.push_back(part.to_string_view());
    zap_answer answer = answer_zap(allowed, request);
    std::vector<zmq::const_buffer> reply;
    for (const std::string& frame : answer.reply)
        reply.push_back(zmq::buffer(frame));
    zmq::send_multipart(socket_, reply);
    return answer;
}

void serve_curve(zmq::socket_t& socket, const std::string& secret_key) {
    socket.set(zmq::sockopt::curve_server, true);
    socket.set(zmq::sockopt::curve_secretkey, secret_key);
    socket.set(zmq::sockopt::zap_domain, std::string{zap_domain});
}

} // namespace zchat::runtime
