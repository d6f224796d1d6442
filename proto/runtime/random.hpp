// Random numbers from the operating system's cryptographic source (getrandom), for what must not
// be guessed (session secrets) or must differ from run to run (the epochs of brokers and relays).
#pragma once

#include <cstddef>
#include <cstdint>

namespace zchat::runtime {

// Fills `size` bytes at `buffer`. Throws std::system_error if the source fails.
void fill_random(void* buffer, std::size_t size);

// A random, non-zero number that names one run of a broker or relay (its epoch).
std::uint64_t random_epoch();

} // namespace zchat::runtime
