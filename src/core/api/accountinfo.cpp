#include "accountinfo.h"

namespace pds {

AccountInfo AccountInfo::fromUsersMe(const QJsonObject &data)
{
    AccountInfo info;
    info.userId = qint64(data.value(QLatin1String("id")).toDouble());
    info.userName = data.value(QLatin1String("name")).toString();
    info.userEmail = data.value(QLatin1String("email")).toString();
    info.companyId = qint64(data.value(QLatin1String("company_id")).toDouble());
    info.companyName = data.value(QLatin1String("company_name")).toString();
    info.companyDomain = data.value(QLatin1String("company_domain")).toString();
    return info;
}

} // namespace pds
