#pragma once

#include <QList>
#include <QString>
#include <optional>

namespace pds {

// The six things the sync imports, in the order a full sync runs them (each later one resolves
// its links through the mappings of the earlier ones).
enum class Entity { Users, Organizations, Persons, Deals, Activities, Notes };

QList<Entity> allEntities();
QString entityName(Entity entity); // "users", ... as on the command line
std::optional<Entity> entityFromName(const QString &name);

// pipedrive_mappings.pipedrive_type values, as the CRM's rake task wrote them.
namespace mappingType {
inline constexpr char User[] = "User";
inline constexpr char Organization[] = "Organization";
inline constexpr char Contact[] = "Contact";
inline constexpr char Lead[] = "Lead";
inline constexpr char Opportunity[] = "Opportunity";
inline constexpr char Task[] = "Task";
inline constexpr char Note[] = "Note";
} // namespace mappingType

// The mapping types whose rows belong to an entity (persons have two: contacts and leads).
QStringList mappingTypesFor(Entity entity);

} // namespace pds
