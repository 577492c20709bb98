#pragma once

namespace pds {

// Puts the calling thread in Linux's SCHED_BATCH policy, for the threads that serve the sync
// thread (the stage worker, the checkpoint thread, the network thread and the HTTP thread it
// starts, the password hashers). They keep the same share of the cores as any other thread, but
// waking one does not preempt the thread that woke it: with both cores busy, every page the sync
// thread handed on (a few hundred a sync) took its core from it at once (`perf sched`: 91 such
// preemptions, ~0.1 s of a 1 s sync at 100k records). Threads started from such a thread inherit
// the policy. No privilege is needed, and an unprivileged thread may go back to SCHED_OTHER.
// Returns false where the policy is unknown (other systems) or refused; nothing changes then.
bool serveOtherThreads();

// Whether the calling thread is in that policy (for tests).
bool servesOtherThreads();

// Puts the calling thread in Linux's SCHED_IDLE policy: it runs only where a core would be idle
// otherwise, and a thread that wakes takes a core from it at once. For work that must not take
// a core from the sync (the new users' password hashing). An unprivileged thread cannot leave
// that policy again: work that becomes urgent goes to other threads. False where the policy is
// unknown or refused; nothing changes then.
bool runWhenIdle();

// Whether the calling thread is in that policy (for tests).
bool runsWhenIdle();

} // namespace pds
