#include "endpoint.h"

namespace pds::endpoints {

Endpoint usersMe()
{
    return { QStringLiteral("/api/v1/users/me"), Paging::None, 2 };
}
Endpoint users()
{
    return { QStringLiteral("/api/v1/users"), Paging::None, 20 };
}
Endpoint organizations()
{
    return { QStringLiteral("/api/v2/organizations"), Paging::Cursor, 10 };
}
Endpoint persons()
{
    return { QStringLiteral("/api/v2/persons"), Paging::Cursor, 10 };
}
Endpoint deals()
{
    return { QStringLiteral("/api/v2/deals"), Paging::Cursor, 10 };
}
Endpoint archivedDeals()
{
    return { QStringLiteral("/api/v2/deals/archived"), Paging::Cursor, 20 };
}
Endpoint activities()
{
    return { QStringLiteral("/api/v2/activities"), Paging::Cursor, 10 };
}
Endpoint notes()
{
    return { QStringLiteral("/api/v1/notes"), Paging::Offset, 20 };
}
Endpoint pipelines()
{
    return { QStringLiteral("/api/v2/pipelines"), Paging::Cursor, 5 };
}
Endpoint stages()
{
    return { QStringLiteral("/api/v2/stages"), Paging::Cursor, 5 };
}
Endpoint activityTypes()
{
    return { QStringLiteral("/api/v1/activityTypes"), Paging::None, 20 };
}
Endpoint dealFields()
{
    return { QStringLiteral("/api/v2/dealFields"), Paging::Cursor, 10 };
}
Endpoint personFields()
{
    return { QStringLiteral("/api/v2/personFields"), Paging::Cursor, 10 };
}
Endpoint organizationFields()
{
    return { QStringLiteral("/api/v2/organizationFields"), Paging::Cursor, 10 };
}
Endpoint activityFields()
{
    return { QStringLiteral("/api/v2/activityFields"), Paging::Cursor, 10 };
}
Endpoint noteFields()
{
    return { QStringLiteral("/api/v1/noteFields"), Paging::Offset, 20 };
}

} // namespace pds::endpoints
