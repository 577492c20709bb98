#include "entity.h"

#include <QStringList>

namespace pds {

QList<Entity> allEntities()
{
    return { Entity::Users, Entity::Organizations, Entity::Persons, Entity::Deals,
        Entity::Activities, Entity::Notes };
}

QString entityName(Entity entity)
{
    switch (entity) {
    case Entity::Users:
        return QStringLiteral("users");
    case Entity::Organizations:
        return QStringLiteral("organizations");
    case Entity::Persons:
        return QStringLiteral("persons");
    case Entity::Deals:
        return QStringLiteral("deals");
    case Entity::Activities:
        return QStringLiteral("activities");
    case Entity::Notes:
        return QStringLiteral("notes");
    }
    return {};
}

std::optional<Entity> entityFromName(const QString &name)
{
    const QString wanted = name.trimmed().toLower();
    for (Entity entity : allEntities()) {
        if (entityName(entity) == wanted)
            return entity;
    }
    return std::nullopt;
}

QStringList mappingTypesFor(Entity entity)
{
    switch (entity) {
    case Entity::Users:
        return { QLatin1String(mappingType::User) };
    case Entity::Organizations:
        return { QLatin1String(mappingType::Organization) };
    case Entity::Persons:
        return { QLatin1String(mappingType::Contact), QLatin1String(mappingType::Lead) };
    case Entity::Deals:
        return { QLatin1String(mappingType::Opportunity) };
    case Entity::Activities:
        return { QLatin1String(mappingType::Task) };
    case Entity::Notes:
        return { QLatin1String(mappingType::Note) };
    }
    return {};
}

} // namespace pds
