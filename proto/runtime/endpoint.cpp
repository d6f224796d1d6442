#include "proto/runtime/endpoint.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <charconv>

namespace zchat::runtime {

std::string tcp_endpoint(std::string_view host, std::uint16_t port) {
    const bool ipv6 = host.find(':') != std::string_view::npos && !host.starts_with('[');
    return "tcp://" + (ipv6 ? "[" + std::string{host} + "]" : std::string{host}) + ":" +
           std::to_string(port);
}

std::optional<std::string> transport_problem(std::string_view endpoint) {
    for (const std::string_view transport : {"tcp://", "ipc://", "inproc://"})
        if (endpoint.starts_with(transport) && endpoint.size() > transport.size())
            return std::nullopt;
    return "'" + std::string{endpoint} +
           "' is not an endpoint (tcp://HOST:PORT, ipc://PATH or inproc://NAME)";
}

std::optional<tcp_address> split_tcp_endpoint(std::string_view endpoint) {
    constexpr std::string_view tcp = "tcp://";
    if (!endpoint.starts_with(tcp))
        return std::nullopt;
    const std::string_view address = endpoint.substr(tcp.size());
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos)
        return std::nullopt;
    tcp_address split{address.substr(0, colon), address.substr(colon + 1)};
    if (const auto semicolon = split.host.rfind(';'); semicolon != std::string_view::npos)
        split.host.remove_prefix(semicolon + 1);
    if (split.host.size() >= 2 && split.host.front() == '[' && split.host.back() == ']')
        split.host = split.host.substr(1, split.host.size() - 2);
    return split;
}

std::optional<endpoint_problem> check_connect_endpoint(std::string_view endpoint) {
    if (!endpoint.starts_with("tcp://"))
        return std::nullopt;
    const auto address = split_tcp_endpoint(endpoint);
    if (!address)
        return endpoint_problem{true, "'" + std::string{endpoint} + "' has no port"};
    const auto [host, port] = *address;
    unsigned number = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || number < 1 ||
        number > 65535)
        return endpoint_problem{true,
                                "'" + std::string{endpoint} + "' has no valid port (1 to 65535)"};
    if (host.empty() || host == "*")
        return std::nullopt;
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const int rc = getaddrinfo(std::string{host}.c_str(), nullptr, &hints, &found);
    if (found)
        freeaddrinfo(found);
    if (rc != 0)
        return endpoint_problem{false, "cannot resolve the host '" + std::string{host} +
                                           "': " + gai_strerror(rc)};
    return std::nullopt;
}

} // namespace zchat::runtime
