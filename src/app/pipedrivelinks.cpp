#include "pipedrivelinks.h"

#include "api/companydomain.h"

namespace pds {

QUrl pipedriveWebLink(const QString &companyDomain, const QString &entity, qint64 pipedriveId)
{
    if (pipedriveId <= 0)
        return {};
    QUrl url = baseUrlForCompany(companyDomain);
    if (!url.isValid())
        return {};
    const QString id = QString::number(pipedriveId);
    if (entity == QLatin1String("deals"))
        url.setPath(QStringLiteral("/deal/") + id);
    else if (entity == QLatin1String("persons"))
        url.setPath(QStringLiteral("/person/") + id);
    else if (entity == QLatin1String("organizations"))
        url.setPath(QStringLiteral("/organization/") + id);
    else if (entity == QLatin1String("users"))
        url.setPath(QStringLiteral("/users/details/") + id);
    else if (entity == QLatin1String("activities"))
        url.setPath(QStringLiteral("/activities/list"));
    else
        return {};
    return url;
}

} // namespace pds
