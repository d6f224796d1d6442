// What can be told about an endpoint before connecting to it, so that a client fails at once
// with the reason instead of waiting out its connect timeout: a TCP port out of range (a usage
// error), or a host name that does not resolve (a runtime failure). Anything else, including a
// host that resolves but where nothing answers, is left to the connection itself.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace zchat::runtime {

struct endpoint_problem {
    bool usage = false; // the endpoint itself is malformed, rather than the world unhelpful
    std::string reason;
};

// "tcp://HOST:PORT" for a bare HOST, as every connecting tool takes one; an IPv6 literal gets its
// brackets.
std::string tcp_endpoint(std::string_view host, std::uint16_t port);

// Whether `endpoint` names a transport a server of ours binds or connects over (tcp://, ipc://,
// inproc://): checked without a socket, so that a configuration check finds it; why not, if so.
std::optional<std::string> transport_problem(std::string_view endpoint);

// The host and port of a "tcp://HOST:PORT" endpoint, as libzmq reads one it connects to: an IPv6
// address in brackets (given without them), and "SOURCE;HOST" (the host is the destination). The
// port is not checked. Nothing when `endpoint` is not tcp:// or has no ':'.
struct tcp_address {
    std::string_view host;
    std::string_view port;
};
std::optional<tcp_address> split_tcp_endpoint(std::string_view endpoint);

// Checks a tcp:// endpoint we are about to connect to; other transports pass unchecked.
// Resolving a name may block for as long as the system's resolver takes.
std::optional<endpoint_problem> check_connect_endpoint(std::string_view endpoint);

} // namespace zchat::runtime
