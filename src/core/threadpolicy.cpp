#include "threadpolicy.h"

#include <QtGlobal>

#if defined(Q_OS_LINUX)
#include <pthread.h>
#include <sched.h>
#endif

namespace pds {

bool serveOtherThreads()
{
#if defined(Q_OS_LINUX) && defined(SCHED_BATCH)
    sched_param param {};
    param.sched_priority = 0; // the only one SCHED_BATCH takes
    return pthread_setschedparam(pthread_self(), SCHED_BATCH, &param) == 0;
#else
    return false;
#endif
}

bool servesOtherThreads()
{
#if defined(Q_OS_LINUX) && defined(SCHED_BATCH)
    int policy = 0;
    sched_param param {};
    return pthread_getschedparam(pthread_self(), &policy, &param) == 0 && policy == SCHED_BATCH;
#else
    return false;
#endif
}

bool runWhenIdle()
{
#if defined(Q_OS_LINUX) && defined(SCHED_IDLE)
    sched_param param {};
    param.sched_priority = 0; // the only one SCHED_IDLE takes
    return pthread_setschedparam(pthread_self(), SCHED_IDLE, &param) == 0;
#else
    return false;
#endif
}

bool runsWhenIdle()
{
#if defined(Q_OS_LINUX) && defined(SCHED_IDLE)
    int policy = 0;
    sched_param param {};
    return pthread_getschedparam(pthread_self(), &policy, &param) == 0 && policy == SCHED_IDLE;
#else
    return false;
#endif
}

} // namespace pds
