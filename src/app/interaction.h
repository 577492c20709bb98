#pragma once

#include <QString>
#include <QUrl>

#include <functional>

class QWidget;

namespace pds {

// Everything the app asks of the user or the desktop outside its own windows, behind small
// replaceable functions: the defaults open window-modal dialogs with open() (no nested event
// loop) and answer through the callback; tests put in functions that answer at once.
struct Interaction
{
    struct Question
    {
        QString title;
        QString text; // says what will happen
        QString acceptText; // the button that does it ("Clear mappings")
    };
    using Confirm = std::function<void(
        QWidget *parent, const Question &question, std::function<void(bool accepted)> answer)>;
    // caption, suggested path, name filter; the answer is "" when the user cancels.
    using ChooseFile
        = std::function<void(QWidget *parent, const QString &caption, const QString &suggestion,
            const QString &filter, std::function<void(QString path)> answer)>;
    using OpenUrl = std::function<void(const QUrl &url)>;

    Confirm confirm;
    ChooseFile chooseSaveFile; // a file to write (asks before replacing one)
    ChooseFile chooseDatabaseFile; // an SQLite file to use, existing or new
    ChooseFile chooseOpenFile; // an existing file to read
    OpenUrl openUrl;

    static Interaction desktop();
};

} // namespace pds
