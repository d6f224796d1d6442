#include "proto/runtime/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <system_error>

namespace zchat::runtime {

void fill_random(void* buffer, std::size_t size) {
    auto* bytes = static_cast<unsigned char*>(buffer);
    while (size > 0) {
        const ssize_t got = getrandom(bytes, size, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
        bytes += got;
        size -= static_cast<std::size_t>(got);
    }
}

std::uint64_t random_epoch() {
    std::uint64_t epoch = 0;
    while (epoch == 0)
        fill_random(&epoch, sizeof epoch);
    return epoch;
}

} // namespace zchat::runtime
