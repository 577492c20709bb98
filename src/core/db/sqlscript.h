#pragma once

#include <QString>
#include <QStringList>

namespace pds {

// Splits an SQL script into single statements, for drivers that run one statement per exec
// (QSQLite). Semicolons inside '...' strings (with '' and E'\'' escapes), "..." identifiers,
// $tag$...$tag$ bodies, -- line comments and /* nested */ block comments do not split.
// Each statement comes back without its ';', without leading comments and surrounding blanks,
// and otherwise verbatim; statements that are only comments are dropped.
QStringList splitSqlStatements(const QString &script);

} // namespace pds
