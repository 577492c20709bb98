#include "threadpolicy.h"

#include <QtGlobal>

#if defined(Q_OS_LINUX)
#include <pthread.h>
#include <sched.h>
#endif

namespace pds {

namespace {

#if defined(Q_OS_LINUX)
// SCHED_BATCH and SCHED_IDLE take priority 0 only.
bool setPolicy(int policy)
{
    sched_param param {};
    return pthread_setschedparam(pthread_self(), policy, &param) == 0;
}

bool hasPolicy(int wanted)
{
    int policy = 0;
    sched_param param {};
    return pthread_getschedparam(pthread_self(), &policy, &param) == 0 && policy == wanted;
}
#endif

} // namespace

bool serveOtherThreads()
{
#if defined(Q_OS_LINUX) && defined(SCHED_BATCH)
    return setPolicy(SCHED_BATCH);
#else
    return false;
#endif
}

bool servesOtherThreads()
{
#if defined(Q_OS_LINUX) && defined(SCHED_BATCH)
    return hasPolicy(SCHED_BATCH);
#else
    return false;
#endif
}

bool runWhenIdle()
{
#if defined(Q_OS_LINUX) && defined(SCHED_IDLE)
    return setPolicy(SCHED_IDLE);
#else
    return false;
#endif
}

bool runsWhenIdle()
{
#if defined(Q_OS_LINUX) && defined(SCHED_IDLE)
    return hasPolicy(SCHED_IDLE);
#else
    return false;
#endif
}

} // namespace pds
