// Compiled into each program that allocates through mimalloc (CMakeLists.txt:
// pds_use_allocator), where it runs before main().
#include <mimalloc.h>

#include <cstdlib>

namespace {

// mimalloc gives a page of freed blocks back to the system 25 ms after it empties, by default.
// A sync empties pages all the time (every fetched page's JSON and rows are freed once it is
// written, on another thread than the one that made them), so a quarter of its peak memory was
// pages kept for reuse: 5 ms took 10 MB off the peak of a 100k sync and of a 500k one, in the
// same time (README, performance). MIMALLOC_DECOMMIT_DELAY in the environment still decides.
const bool tuned = [] {
    if (!std::getenv("MIMALLOC_DECOMMIT_DELAY"))
        mi_option_set(mi_option_decommit_delay, 5);
    return true;
}();

} // namespace
