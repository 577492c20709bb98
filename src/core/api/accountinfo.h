#pragma once

#include <QJsonObject>
#include <QString>

namespace pds {

// Who the token belongs to, from GET /api/v1/users/me.
struct AccountInfo
{
    qint64 userId = 0;
    QString userName;
    QString userEmail;
    qint64 companyId = 0;
    QString companyName;
    QString companyDomain;

    bool isValid() const { return userId > 0; }
    static AccountInfo fromUsersMe(const QJsonObject &data);
};

} // namespace pds
