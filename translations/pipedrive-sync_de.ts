<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE">
<context>
    <name>MainWindow</name>
    <message>
        <source>Pipedrive Sync</source>
        <translation>Pipedrive Sync</translation>
    </message>
    <message>
        <source>Not connected</source>
        <translation>Nicht verbunden</translation>
    </message>
    <message>
        <source>Dashboard</source>
        <translation>Übersicht</translation>
    </message>
    <message>
        <source>Sync &amp;all</source>
        <translation>A&amp;lle synchronisieren</translation>
    </message>
    <message>
        <source>&amp;Cancel</source>
        <translation>A&amp;bbrechen</translation>
    </message>
    <message>
        <source>&amp;Dry run (read and check everything, write nothing)</source>
        <translation>&amp;Probelauf (alles lesen und prüfen, nichts schreiben)</translation>
    </message>
    <message>
        <source>Entities</source>
        <translation>Datenarten</translation>
    </message>
    <message>
        <source>Entity</source>
        <translation>Datenart</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>Datensätze</translation>
    </message>
    <message>
        <source>Rate</source>
        <translation>Tempo</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>Restzeit</translation>
    </message>
    <message>
        <source>Last result</source>
        <translation>Letztes Ergebnis</translation>
    </message>
    <message>
        <source>Stats</source>
        <translation>Statistik</translation>
    </message>
    <message>
        <source>Problems</source>
        <translation>Probleme</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>S&amp;ync</source>
        <translation>&amp;Synchronisieren</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Cancel sync</source>
        <translation>Synchronisation a&amp;bbrechen</translation>
    </message>
    <message>
        <source>&amp;Dry run</source>
        <translation>&amp;Probelauf</translation>
    </message>
    <message>
        <source>Clear all &amp;mappings…</source>
        <translation>Alle &amp;Zuordnungen löschen…</translation>
    </message>
    <message>
        <source>&amp;Dashboard</source>
        <translation>&amp;Übersicht</translation>
    </message>
    <message>
        <source>&amp;Stats</source>
        <translation>&amp;Statistik</translation>
    </message>
    <message>
        <source>&amp;Problems</source>
        <translation>&amp;Probleme</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>&amp;Aktualisieren</translation>
    </message>
    <message>
        <source>&amp;Export problems to CSV…</source>
        <translation>Probleme als CSV &amp;exportieren…</translation>
    </message>
    <message>
        <source>&amp;About Pipedrive Sync</source>
        <translation>&amp;Über Pipedrive Sync</translation>
    </message>
</context>
<context>
    <name>ProblemsView</name>
    <message>
        <source>&amp;Entity:</source>
        <translation>Date&amp;nart:</translation>
    </message>
    <message>
        <source>&amp;Kind:</source>
        <translation>Ar&amp;t:</translation>
    </message>
    <message>
        <source>&amp;Refresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
    <message>
        <source>&amp;Open in Pipedrive</source>
        <translation>In Pipedrive ö&amp;ffnen</translation>
    </message>
    <message>
        <source>E&amp;xport CSV…</source>
        <translation>CSV e&amp;xportieren…</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>&amp;Pipedrive</source>
        <translation>&amp;Pipedrive</translation>
    </message>
    <message>
        <source>Company &amp;domain:</source>
        <translation>Firmen-&amp;Domain:</translation>
    </message>
    <message>
        <source>yourcompany (as in yourcompany.pipedrive.com)</source>
        <translation>ihrefirma (wie in ihrefirma.pipedrive.com)</translation>
    </message>
    <message>
        <source>API &amp;token:</source>
        <translation>API-&amp;Token:</translation>
    </message>
    <message>
        <source>Personal preferences &gt; API in Pipedrive</source>
        <translation>Persönliche Einstellungen &gt; API in Pipedrive</translation>
    </message>
    <message>
        <source>Show or hide the token</source>
        <translation>Token zeigen oder verbergen</translation>
    </message>
    <message>
        <source>S&amp;how</source>
        <translation>&amp;Zeigen</translation>
    </message>
    <message>
        <source>The token is kept in the system keychain, one entry per company domain, never in a settings file.</source>
        <translation>Das Token liegt im Schlüsselbund des Systems, ein Eintrag je Firmen-Domain, niemals in einer Einstellungsdatei.</translation>
    </message>
    <message>
        <source>Test &amp;connection</source>
        <translation>V&amp;erbindung testen</translation>
    </message>
    <message>
        <source>D&amp;atabase</source>
        <translation>D&amp;atenbank</translation>
    </message>
    <message>
        <source>S&amp;QLite file</source>
        <translation>S&amp;QLite-Datei</translation>
    </message>
    <message>
        <source>Postgre&amp;SQL server</source>
        <translation>Postgre&amp;SQL-Server</translation>
    </message>
    <message>
        <source>&amp;File:</source>
        <translation>&amp;Datei:</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>D&amp;urchsuchen…</translation>
    </message>
    <message>
        <source>The CRM&apos;s SQLite file, or a new file: the CRM schema is created in an empty database.</source>
        <translation>Die SQLite-Datei des CRM oder eine neue Datei: In einer leeren Datenbank wird das CRM-Schema angelegt.</translation>
    </message>
    <message>
        <source>&amp;Host:</source>
        <translation>&amp;Host:</translation>
    </message>
    <message>
        <source>P&amp;ort:</source>
        <translation>P&amp;ort:</translation>
    </message>
    <message>
        <source>Data&amp;base:</source>
        <translation>Daten&amp;bank:</translation>
    </message>
    <message>
        <source>&amp;User:</source>
        <translation>Be&amp;nutzer:</translation>
    </message>
    <message>
        <source>Pass&amp;word:</source>
        <translation>Pass&amp;wort:</translation>
    </message>
    <message>
        <source>kept in the system keychain</source>
        <translation>liegt im Schlüsselbund des Systems</translation>
    </message>
    <message>
        <source>Show or hide the password</source>
        <translation>Passwort zeigen oder verbergen</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Zeigen</translation>
    </message>
    <message>
        <source>SS&amp;L mode:</source>
        <translation>SS&amp;L-Modus:</translation>
    </message>
    <message>
        <source>&amp;Test database</source>
        <translation>Datenbank &amp;testen</translation>
    </message>
    <message>
        <source>S&amp;ync options</source>
        <translation>S&amp;ynchronisation</translation>
    </message>
    <message>
        <source>&amp;Records per request:</source>
        <translation>&amp;Datensätze je Anfrage:</translation>
    </message>
    <message>
        <source>Default &amp;owner:</source>
        <translation>Standard-&amp;Besitzer:</translation>
    </message>
    <message>
        <source>The CRM user who owns records whose Pipedrive owner is not in the CRM</source>
        <translation>Der CRM-Benutzer, dem Datensätze gehören, deren Pipedrive-Besitzer nicht im CRM ist</translation>
    </message>
    <message>
        <source>Missing &amp;first name:</source>
        <translation>Fehlender &amp;Vorname:</translation>
    </message>
    <message>
        <source>Missing &amp;last name:</source>
        <translation>Fehlender &amp;Nachname:</translation>
    </message>
    <message>
        <source>Missing p&amp;hone:</source>
        <translation>Fehlende &amp;Telefonnummer:</translation>
    </message>
    <message>
        <source>Missing or&amp;ganization:</source>
        <translation>Fehlende &amp;Organisation:</translation>
    </message>
    <message>
        <source>Records &amp;deleted in Pipedrive:</source>
        <translation>In Pipedrive &amp;gelöschte Datensätze:</translation>
    </message>
    <message>
        <source>Placeholders fill CRM fields that must not be empty when Pipedrive has no value.</source>
        <translation>Platzhalter füllen CRM-Felder, die nicht leer sein dürfen, wenn Pipedrive keinen Wert hat.</translation>
    </message>
    <message>
        <source>Schedule</source>
        <translation>Zeitplan</translation>
    </message>
    <message>
        <source>Sync a&amp;utomatically:</source>
        <translation>A&amp;utomatisch synchronisieren:</translation>
    </message>
    <message>
        <source>Hours between syncs</source>
        <translation>Stunden zwischen den Synchronisationen</translation>
    </message>
    <message>
        <source>Time of the daily sync</source>
        <translation>Uhrzeit der täglichen Synchronisation</translation>
    </message>
    <message>
        <source>&amp;Keep running in the tray when the window closes</source>
        <translation>Beim Schließen des Fensters im &amp;Infobereich weiterlaufen</translation>
    </message>
    <message>
        <source>Scheduled syncs run while the app runs. Without the app, the pipedrive-sync.timer systemd user timer runs the command-line sync (see the README).</source>
        <translation>Geplante Synchronisationen laufen, solange die App läuft. Ohne die App führt der systemd-Benutzer-Timer pipedrive-sync.timer die Synchronisation über die Kommandozeile aus (siehe README).</translation>
    </message>
</context>
<context>
    <name>StatsView</name>
    <message>
        <source>&amp;Counts per entity</source>
        <translation>&amp;Zahlen je Datenart</translation>
    </message>
    <message>
        <source>Clear mappings of the &amp;selected entity…</source>
        <translation>Zuordnungen der &amp;gewählten Datenart löschen…</translation>
    </message>
    <message>
        <source>Clear &amp;all mappings…</source>
        <translation>Alle Zuordnungen l&amp;öschen…</translation>
    </message>
    <message>
        <source>R&amp;efresh</source>
        <translation>A&amp;ktualisieren</translation>
    </message>
    <message>
        <source>&amp;Run history</source>
        <translation>&amp;Verlauf der Läufe</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>Pipedrive Sync</source>
        <translation>Pipedrive Sync</translation>
    </message>
</context>
<context>
    <name>pds::ConnectionCheck</name>
    <message>
        <source>No API token is set.</source>
        <translation>Es ist kein API-Token gesetzt.</translation>
    </message>
    <message>
        <source>Pipedrive&apos;s answer for /users/me names no user.</source>
        <translation>Die Antwort von Pipedrive auf /users/me nennt keinen Benutzer.</translation>
    </message>
</context>
<context>
    <name>pds::CredentialsResolver</name>
    <message>
        <source>No Pipedrive company domain is set: set PIPEDRIVE_COMPANY_DOMAIN or save one in the settings.</source>
        <translation>Es ist keine Pipedrive-Firmen-Domain gesetzt: PIPEDRIVE_COMPANY_DOMAIN setzen oder eine in den Einstellungen speichern.</translation>
    </message>
    <message>
        <source>No API token: set PIPEDRIVE_API_TOKEN.</source>
        <translation>Kein API-Token: PIPEDRIVE_API_TOKEN setzen.</translation>
    </message>
    <message>
        <source>No API token is stored for %1: set PIPEDRIVE_API_TOKEN or save one (set-token or the settings dialog).</source>
        <translation>Für %1 ist kein API-Token gespeichert: PIPEDRIVE_API_TOKEN setzen oder eines speichern (set-token oder der Einstellungsdialog).</translation>
    </message>
</context>
<context>
    <name>pds::FitPages</name>
    <message>
        <source>text</source>
        <translation>Text</translation>
    </message>
    <message>
        <source>long text</source>
        <translation>langer Text</translation>
    </message>
    <message>
        <source>number</source>
        <translation>Zahl</translation>
    </message>
    <message>
        <source>amount</source>
        <translation>Betrag</translation>
    </message>
    <message>
        <source>single option</source>
        <translation>Einfachauswahl</translation>
    </message>
    <message>
        <source>multiple options</source>
        <translation>Mehrfachauswahl</translation>
    </message>
    <message>
        <source>date</source>
        <translation>Datum</translation>
    </message>
    <message>
        <source>date range</source>
        <translation>Zeitraum (Datum)</translation>
    </message>
    <message>
        <source>time</source>
        <translation>Uhrzeit</translation>
    </message>
    <message>
        <source>time range</source>
        <translation>Zeitraum (Uhrzeit)</translation>
    </message>
    <message>
        <source>address</source>
        <translation>Adresse</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>Telefon</translation>
    </message>
    <message>
        <source>user</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>person</source>
        <translation>Person</translation>
    </message>
    <message>
        <source>organization</source>
        <translation>Organisation</translation>
    </message>
    <message>
        <source>deal</source>
        <translation>Deal</translation>
    </message>
    <message>
        <source>yes/no</source>
        <translation>ja/nein</translation>
    </message>
    <message>
        <source>Accounts: phone</source>
        <translation>Firmen: Telefon</translation>
    </message>
    <message>
        <source>Accounts: email</source>
        <translation>Firmen: E-Mail</translation>
    </message>
    <message>
        <source>Accounts: website</source>
        <translation>Firmen: Website</translation>
    </message>
    <message>
        <source>Accounts: street</source>
        <translation>Firmen: Straße</translation>
    </message>
    <message>
        <source>Accounts: city</source>
        <translation>Firmen: Ort</translation>
    </message>
    <message>
        <source>Accounts: state</source>
        <translation>Firmen: Bundesland/Staat</translation>
    </message>
    <message>
        <source>Accounts: ZIP code</source>
        <translation>Firmen: PLZ</translation>
    </message>
    <message>
        <source>Contacts and leads: street</source>
        <translation>Kontakte und Leads: Straße</translation>
    </message>
    <message>
        <source>Contacts and leads: city</source>
        <translation>Kontakte und Leads: Ort</translation>
    </message>
    <message>
        <source>Contacts and leads: state</source>
        <translation>Kontakte und Leads: Bundesland/Staat</translation>
    </message>
    <message>
        <source>Contacts and leads: ZIP code</source>
        <translation>Kontakte und Leads: PLZ</translation>
    </message>
    <message>
        <source>Leads: interested in</source>
        <translation>Leads: interessiert an</translation>
    </message>
    <message>
        <source>Opportunities: type</source>
        <translation>Verkaufschancen: Art</translation>
    </message>
    <message>
        <source>&amp;Load from Pipedrive</source>
        <translation>Aus Pipedrive &amp;laden</translation>
    </message>
    <message>
        <source>Which Pipedrive field fills each CRM column that Pipedrive has no field of its own for. Custom fields that no column takes go into the comments of opportunities and leads as &quot;Name: value&quot; lines.</source>
        <translation>Welches Pipedrive-Feld jede CRM-Spalte füllt, für die Pipedrive kein eigenes Feld hat. Benutzerdefinierte Felder, die keine Spalte übernimmt, kommen als Zeilen „Name: Wert“ in die Kommentare von Verkaufschancen und Leads.</translation>
    </message>
    <message>
        <source>CRM column</source>
        <translation>CRM-Spalte</translation>
    </message>
    <message>
        <source>Pipedrive field</source>
        <translation>Pipedrive-Feld</translation>
    </message>
    <message>
        <source>Preview</source>
        <translation>Vorschau</translation>
    </message>
    <message>
        <source>Preview record</source>
        <translation>Vorschau-Datensatz</translation>
    </message>
    <message>
        <source>New customer</source>
        <translation>Neukunde</translation>
    </message>
    <message>
        <source>Existing customer</source>
        <translation>Bestandskunde</translation>
    </message>
    <message>
        <source>Opportunity &amp;type when no field says:</source>
        <translation>&amp;Art der Verkaufschance, wenn kein Feld sie angibt:</translation>
    </message>
    <message>
        <source>Custom fields:</source>
        <translation>Benutzerdefinierte Felder:</translation>
    </message>
    <message>
        <source>Records</source>
        <translation>Datensätze</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>Feld</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>Typ</translation>
    </message>
    <message>
        <source>Options</source>
        <translation>Optionen</translation>
    </message>
    <message>
        <source>Goes to</source>
        <translation>Landet in</translation>
    </message>
    <message>
        <source>Nothing: the placeholder</source>
        <translation>Nichts: der Platzhalter</translation>
    </message>
    <message>
        <source>Nothing: the type below</source>
        <translation>Nichts: die Art unten</translation>
    </message>
    <message>
        <source>Nothing</source>
        <translation>Nichts</translation>
    </message>
    <message>
        <source>postal address</source>
        <translation>Postanschrift</translation>
    </message>
    <message>
        <source>website</source>
        <translation>Website</translation>
    </message>
    <message>
        <source>Pipedrive&apos;s %1 (default)</source>
        <translation>%1 aus Pipedrive (Standard)</translation>
    </message>
    <message>
        <source>(unnamed field)</source>
        <translation>(Feld ohne Namen)</translation>
    </message>
    <message>
        <source>Custom field, %1</source>
        <translation>Benutzerdefiniertes Feld, %1</translation>
    </message>
    <message>
        <source>Pipedrive field, %1</source>
        <translation>Pipedrive-Feld, %1</translation>
    </message>
    <message>
        <source>A field Pipedrive no longer lists</source>
        <translation>Ein Feld, das Pipedrive nicht mehr anbietet</translation>
    </message>
    <message>
        <source>Load from Pipedrive to see sample values.</source>
        <translation>Aus Pipedrive laden, um Beispielwerte zu sehen.</translation>
    </message>
    <message>
        <source>%1 → not a type: the one below</source>
        <translation>%1 → keine Art: die unten gewählte</translation>
    </message>
    <message>
        <source>(empty)</source>
        <translation>(leer)</translation>
    </message>
    <message>
        <source>Comments of opportunities</source>
        <translation>Kommentare der Verkaufschancen</translation>
    </message>
    <message>
        <source>Comments of leads</source>
        <translation>Kommentare der Leads</translation>
    </message>
    <message>
        <source>Not kept: accounts have no comments</source>
        <translation>Nicht übernommen: Firmen haben keine Kommentare</translation>
    </message>
    <message>
        <source>Sta&amp;ge map</source>
        <translation>P&amp;hasenzuordnung</translation>
    </message>
    <message>
        <source>The CRM stage of open deals in each Pipedrive stage. &quot;(by name)&quot; marks the stage the name&apos;s keywords give; won and lost deals are always closed_won and closed_lost.</source>
        <translation>Die CRM-Phase offener Deals in jeder Pipedrive-Phase. „(nach Name)“ markiert die Phase, die sich aus den Stichwörtern des Namens ergibt; gewonnene und verlorene Deals sind immer closed_won und closed_lost.</translation>
    </message>
    <message>
        <source>Pipeline</source>
        <translation>Pipeline</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>Phase</translation>
    </message>
    <message>
        <source>CRM stage</source>
        <translation>CRM-Phase</translation>
    </message>
    <message>
        <source>CRM stage of %1</source>
        <translation>CRM-Phase von %1</translation>
    </message>
    <message>
        <source>%1 (by name)</source>
        <translation>%1 (nach Name)</translation>
    </message>
    <message>
        <source>A saved Pipedrive filter syncs only the records it matches; the CRM keeps what is outside it, and records outside a filter are never taken for deleted. A changed filter or map re-reads its records in full on the next sync.</source>
        <translation>Ein gespeicherter Pipedrive-Filter synchronisiert nur die Datensätze, die er erfasst; was außerhalb liegt, bleibt im CRM und gilt nie als gelöscht. Ein geänderter Filter oder eine geänderte Zuordnung liest die betroffenen Datensätze bei der nächsten Synchronisierung vollständig neu.</translation>
    </message>
    <message>
        <source>Filter for %1</source>
        <translation>Filter für %1</translation>
    </message>
    <message>
        <source>%1:</source>
        <translation>%1:</translation>
    </message>
    <message>
        <source>All records (no filter)</source>
        <translation>Alle Datensätze (kein Filter)</translation>
    </message>
    <message>
        <source>%1 (no longer in Pipedrive)</source>
        <translation>%1 (nicht mehr in Pipedrive)</translation>
    </message>
    <message numerus="yes">
        <source>Read from Pipedrive: %n field(s), </source>
        <translation>
            <numerusform>Aus Pipedrive gelesen: %n Feld, </numerusform>
            <numerusform>Aus Pipedrive gelesen: %n Felder, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n stage(s), </source>
        <translation>
            <numerusform>%n Phase, </numerusform>
            <numerusform>%n Phasen, </numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n saved filter(s).</source>
        <translation>
            <numerusform>%n gespeicherter Filter.</numerusform>
            <numerusform>%n gespeicherte Filter.</numerusform>
        </translation>
    </message>
    <message>
        <source>Field &amp;map</source>
        <translation>Feld&amp;zuordnung</translation>
    </message>
    <message>
        <source>Preview recor&amp;d:</source>
        <translation>Vorschau-&amp;Datensatz:</translation>
    </message>
    <message>
        <source>Reset to the names&apos; &amp;keywords</source>
        <translation>Auf die &amp;Stichwörter der Namen zurücksetzen</translation>
    </message>
    <message>
        <source>Filte&amp;rs</source>
        <translation>Filte&amp;r</translation>
    </message>
</context>
<context>
    <name>pds::KeychainTokenStore</name>
    <message>
        <source>The keychain could not be read: %1</source>
        <translation>Der Schlüsselbund konnte nicht gelesen werden: %1</translation>
    </message>
    <message>
        <source>The keychain could not store the secret: %1</source>
        <translation>Der Schlüsselbund konnte das Geheimnis nicht speichern: %1</translation>
    </message>
    <message>
        <source>The keychain could not delete the secret: %1</source>
        <translation>Der Schlüsselbund konnte das Geheimnis nicht löschen: %1</translation>
    </message>
</context>
<context>
    <name>pds::MainWindow</name>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>%1 h %2 min</source>
        <translation>%1 h %2 min</translation>
    </message>
    <message>
        <source>Sync</source>
        <translation>Synchronisieren</translation>
    </message>
    <message>
        <source>Sync %1</source>
        <translation>%1 synchronisieren</translation>
    </message>
    <message>
        <source>Sync %1 (%2)</source>
        <translation>%1 synchronisieren (%2)</translation>
    </message>
    <message>
        <source>%1 progress</source>
        <translation>Fortschritt %1</translation>
    </message>
    <message>
        <source>Not connected.</source>
        <translation>Nicht verbunden.</translation>
    </message>
    <message>
        <source>Not connected: no Pipedrive account is set up yet. Open File &gt; Settings (Ctrl+,) to enter the company domain and API token.</source>
        <translation>Nicht verbunden: Es ist noch kein Pipedrive-Konto eingerichtet. Unter Datei &gt; Einstellungen (Strg+,) Firmen-Domain und API-Token eintragen.</translation>
    </message>
    <message>
        <source>Connecting to Pipedrive…</source>
        <translation>Verbinde mit Pipedrive…</translation>
    </message>
    <message>
        <source>Connected to %1 as %2 (%3).</source>
        <translation>Verbunden mit %1 als %2 (%3).</translation>
    </message>
    <message>
        <source>Not connected: %1</source>
        <translation>Nicht verbunden: %1</translation>
    </message>
    <message>
        <source>API budget left today: %1 of %2 tokens.</source>
        <translation>Heute verbleibendes API-Budget: %1 von %2 Tokens.</translation>
    </message>
    <message>
        <source>API budget left today: %1 tokens.</source>
        <translation>Heute verbleibendes API-Budget: %1 Tokens.</translation>
    </message>
    <message>
        <source>Settings saved.</source>
        <translation>Einstellungen gespeichert.</translation>
    </message>
    <message>
        <source>The saved database setting cannot be used: %1 Open Settings to choose the database again.</source>
        <translation>Die gespeicherte Datenbank-Einstellung ist nicht verwendbar: %1 In den Einstellungen die Datenbank neu wählen.</translation>
    </message>
    <message>
        <source>Reading the credentials from the keychain…</source>
        <translation>Lese die Zugangsdaten aus dem Schlüsselbund…</translation>
    </message>
    <message>
        <source>Cannot sync: %1</source>
        <translation>Synchronisieren nicht möglich: %1</translation>
    </message>
    <message>
        <source>Cannot sync: %1 Open Settings to correct the company domain.</source>
        <translation>Synchronisieren nicht möglich: %1 In den Einstellungen die Firmen-Domain korrigieren.</translation>
    </message>
    <message>
        <source>waiting</source>
        <translation>wartet</translation>
    </message>
    <message>
        <source>A sync is already running.</source>
        <translation>Es läuft bereits eine Synchronisation.</translation>
    </message>
    <message>
        <source>Dry run: reading from Pipedrive, writing nothing…</source>
        <translation>Probelauf: lese aus Pipedrive, schreibe nichts…</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>Synchronisiere…</translation>
    </message>
    <message>
        <source>Cancelling: the page being written is rolled back…</source>
        <translation>Breche ab: Die gerade geschriebene Seite wird zurückgerollt…</translation>
    </message>
    <message>
        <source>%1 of %2</source>
        <translation>%1 von %2</translation>
    </message>
    <message>
        <source>%1/s</source>
        <translation>%1/s</translation>
    </message>
    <message>
        <source>%1: %2 records, %3</source>
        <translation>%1: %2 Datensätze, %3</translation>
    </message>
    <message>
        <source>%1 records</source>
        <translation>%1 Datensätze</translation>
    </message>
    <message>
        <source>%1 · %2 · %3</source>
        <translation>%1 · %2 · %3</translation>
    </message>
    <message>
        <source>%1 requests, %2 API tokens spent.</source>
        <translation>%1 Anfragen, %2 API-Tokens verbraucht.</translation>
    </message>
    <message>
        <source>%1 (dry run)</source>
        <translation>%1 (Probelauf)</translation>
    </message>
    <message>
        <source>Export problems</source>
        <translation>Probleme exportieren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-Dateien (*.csv)</translation>
    </message>
    <message>
        <source>%1 could not be written: %2</source>
        <translation>%1 konnte nicht geschrieben werden: %2</translation>
    </message>
    <message numerus="yes">
        <source>%n problem(s) exported to %1.</source>
        <translation>
            <numerusform>%n Problem nach %1 exportiert.</numerusform>
            <numerusform>%n Probleme nach %1 exportiert.</numerusform>
        </translation>
    </message>
    <message>
        <source>Clear mappings</source>
        <translation>Zuordnungen löschen</translation>
    </message>
    <message numerus="yes">
        <source>This forgets which CRM rows came from which Pipedrive records for %1: %n mapping(s), and where their last sync stopped. The CRM rows themselves stay.</source>
        <translation>
            <numerusform>Damit wird für %1 vergessen, welche CRM-Zeilen aus welchen Pipedrive-Datensätzen stammen: %n Zuordnung, und wo ihre letzte Synchronisation stehen blieb. Die CRM-Zeilen selbst bleiben erhalten.</numerusform>
            <numerusform>Damit wird für %1 vergessen, welche CRM-Zeilen aus welchen Pipedrive-Datensätzen stammen: %n Zuordnungen, und wo ihre letzte Synchronisation stehen blieb. Die CRM-Zeilen selbst bleiben erhalten.</numerusform>
        </translation>
    </message>
    <message>
        <source>all entities</source>
        <translation>alle Datenarten</translation>
    </message>
    <message>
        <source>The next sync reads these records from Pipedrive again and matches users, persons and organizations to CRM rows by e-mail or name.</source>
        <translation>Die nächste Synchronisation liest diese Datensätze erneut aus Pipedrive und ordnet Benutzer, Personen und Organisationen den CRM-Zeilen über E-Mail oder Namen zu.</translation>
    </message>
    <message>
        <source>%1 have no such key: they will be created in the CRM a second time.</source>
        <translation>%1 haben keinen solchen Schlüssel: Sie werden im CRM ein zweites Mal angelegt.</translation>
    </message>
    <message>
        <source>Clearing mappings…</source>
        <translation>Lösche Zuordnungen…</translation>
    </message>
    <message numerus="yes">
        <source>%n mapping(s) cleared. The next sync matches these records again.</source>
        <translation>
            <numerusform>%n Zuordnung gelöscht. Die nächste Synchronisation ordnet diese Datensätze neu zu.</numerusform>
            <numerusform>%n Zuordnungen gelöscht. Die nächste Synchronisation ordnet diese Datensätze neu zu.</numerusform>
        </translation>
    </message>
    <message>
        <source>About Pipedrive Sync</source>
        <translation>Über Pipedrive Sync</translation>
    </message>
    <message>
        <source>Pipedrive Sync %1

Imports a Pipedrive account into the CRM&apos;s database.</source>
        <translation>Pipedrive Sync %1

Importiert ein Pipedrive-Konto in die Datenbank des CRM.</translation>
    </message>
    <message>
        <source>%1 new</source>
        <translation>%1 neu</translation>
    </message>
    <message>
        <source>%1 updated</source>
        <translation>%1 aktualisiert</translation>
    </message>
    <message>
        <source>%1 skipped</source>
        <translation>%1 übersprungen</translation>
    </message>
    <message>
        <source>%1 failed</source>
        <translation>%1 fehlgeschlagen</translation>
    </message>
    <message>
        <source>no changes</source>
        <translation>keine Änderungen</translation>
    </message>
    <message>
        <source>%1 fetched, %2 new, %3 updated, %4 unchanged, %5 merged, %6 skipped, %7 failed, %8 deleted</source>
        <translation>%1 gelesen, %2 neu, %3 aktualisiert, %4 unverändert, %5 zusammengeführt, %6 übersprungen, %7 fehlgeschlagen, %8 gelöscht</translation>
    </message>
    <message>
        <source>Next scheduled sync: %1</source>
        <translation>Nächste geplante Synchronisation: %1</translation>
    </message>
    <message>
        <source>&amp;Undo last sync…</source>
        <translation>Letzte Synchronisation &amp;rückgängig machen…</translation>
    </message>
    <message>
        <source>Nothing to undo: no sync has changed the CRM since the last undo.</source>
        <translation>Nichts rückgängig zu machen: Seit dem letzten Rückgängigmachen hat keine Synchronisation das CRM verändert.</translation>
    </message>
    <message>
        <source>Undo last sync</source>
        <translation>Letzte Synchronisation rückgängig machen</translation>
    </message>
    <message>
        <source>This takes back the sync of %1 (%2): the rows it added to the CRM are deleted, the rows it changed get their old values back, and the rows it deleted come back.</source>
        <translation>Damit wird die Synchronisation vom %1 (%2) zurückgenommen: Die Zeilen, die sie dem CRM hinzugefügt hat, werden gelöscht, die Zeilen, die sie geändert hat, erhalten ihre alten Werte zurück, und die Zeilen, die sie gelöscht hat, kommen wieder.</translation>
    </message>
    <message>
        <source>The next sync reads these records from Pipedrive again.</source>
        <translation>Die nächste Synchronisation liest diese Datensätze erneut aus Pipedrive.</translation>
    </message>
    <message>
        <source>Undo sync</source>
        <translation>Synchronisation rückgängig machen</translation>
    </message>
    <message>
        <source>Undoing the last sync…</source>
        <translation>Die letzte Synchronisation wird rückgängig gemacht…</translation>
    </message>
</context>
<context>
    <name>pds::ProblemsModel</name>
    <message>
        <source>When</source>
        <translation>Wann</translation>
    </message>
    <message>
        <source>Entity</source>
        <translation>Datenart</translation>
    </message>
    <message>
        <source>Pipedrive ID</source>
        <translation>Pipedrive-ID</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>Grund</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>Detail</translation>
    </message>
    <message>
        <source>Open in Pipedrive</source>
        <translation>In Pipedrive öffnen</translation>
    </message>
</context>
<context>
    <name>pds::ProblemsView</name>
    <message>
        <source>All</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>No sync has run on this database yet.</source>
        <translation>Auf dieser Datenbank lief noch keine Synchronisation.</translation>
    </message>
    <message>
        <source>No problems: every record was imported.</source>
        <translation>Keine Probleme: Jeder Datensatz wurde importiert.</translation>
    </message>
    <message>
        <source>The newest %1 problems; export to CSV for all of them.</source>
        <translation>Die neuesten %1 Probleme; für alle als CSV exportieren.</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) not imported as such. Select one and press Enter to open it in Pipedrive.</source>
        <translation>
            <numerusform>%n Datensatz nicht als solcher importiert. Einen auswählen und Enter drücken, um ihn in Pipedrive zu öffnen.</numerusform>
            <numerusform>%n Datensätze nicht als solche importiert. Einen auswählen und Enter drücken, um ihn in Pipedrive zu öffnen.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>pds::SettingsDialog</name>
    <message>
        <source>Hide</source>
        <translation>Verbergen</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Zeigen</translation>
    </message>
    <message>
        <source>S&amp;how</source>
        <translation>&amp;Zeigen</translation>
    </message>
    <message>
        <source>disable: never encrypt</source>
        <translation>disable: nie verschlüsseln</translation>
    </message>
    <message>
        <source>allow: encrypt if the server insists</source>
        <translation>allow: verschlüsseln, wenn der Server darauf besteht</translation>
    </message>
    <message>
        <source>prefer: encrypt if the server can (default)</source>
        <translation>prefer: verschlüsseln, wenn der Server es kann (Standard)</translation>
    </message>
    <message>
        <source>require: always encrypt</source>
        <translation>require: immer verschlüsseln</translation>
    </message>
    <message>
        <source>verify-ca: encrypt and check the certificate</source>
        <translation>verify-ca: verschlüsseln und das Zertifikat prüfen</translation>
    </message>
    <message>
        <source>verify-full: also check the host name</source>
        <translation>verify-full: auch den Hostnamen prüfen</translation>
    </message>
    <message>
        <source>Report them in Problems, keep the CRM rows</source>
        <translation>Unter Probleme melden, CRM-Zeilen behalten</translation>
    </message>
    <message>
        <source>Delete their rows from the CRM</source>
        <translation>Ihre Zeilen aus dem CRM löschen</translation>
    </message>
    <message>
        <source>PIPEDRIVE_API_TOKEN is set in the environment and is used instead of the saved token.</source>
        <translation>PIPEDRIVE_API_TOKEN ist in der Umgebung gesetzt und wird statt des gespeicherten Tokens verwendet.</translation>
    </message>
    <message>
        <source>PIPEDRIVE_COMPANY_DOMAIN is set in the environment and overrides this domain.</source>
        <translation>PIPEDRIVE_COMPANY_DOMAIN ist in der Umgebung gesetzt und ersetzt diese Domain.</translation>
    </message>
    <message>
        <source>The saved database setting could not be read (%1); showing the default.</source>
        <translation>Die gespeicherte Datenbank-Einstellung war nicht lesbar (%1); angezeigt wird die Vorgabe.</translation>
    </message>
    <message>
        <source>The Pipedrive token&apos;s own user</source>
        <translation>Der Benutzer des Pipedrive-Tokens</translation>
    </message>
    <message>
        <source>CRM user #%1</source>
        <translation>CRM-Benutzer Nr. %1</translation>
    </message>
    <message>
        <source>%1 &lt;%2&gt;</source>
        <translation>%1 &lt;%2&gt;</translation>
    </message>
    <message>
        <source>Asking Pipedrive…</source>
        <translation>Frage Pipedrive…</translation>
    </message>
    <message>
        <source>Connected to %1 as %2 (%3).</source>
        <translation>Verbunden mit %1 als %2 (%3).</translation>
    </message>
    <message>
        <source>Choose a file for the database.</source>
        <translation>Eine Datei für die Datenbank wählen.</translation>
    </message>
    <message>
        <source>Connecting…</source>
        <translation>Verbinde…</translation>
    </message>
    <message>
        <source>Ready. The database is new or empty: the first sync creates the CRM schema in it.</source>
        <translation>Bereit. Die Datenbank ist neu oder leer: Die erste Synchronisation legt das CRM-Schema darin an.</translation>
    </message>
    <message>
        <source>Connected. The database is empty: the first sync creates the CRM schema in it.</source>
        <translation>Verbunden. Die Datenbank ist leer: Die erste Synchronisation legt das CRM-Schema darin an.</translation>
    </message>
    <message numerus="yes">
        <source>Connected to a CRM database (%n tables) that has been synced before.</source>
        <translation>
            <numerusform>Verbunden mit einer CRM-Datenbank (%n Tabelle), die schon synchronisiert wurde.</numerusform>
            <numerusform>Verbunden mit einer CRM-Datenbank (%n Tabellen), die schon synchronisiert wurde.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Connected to a CRM database (%n tables). The first sync adds its own pipedrive_sync_* tables.</source>
        <translation>
            <numerusform>Verbunden mit einer CRM-Datenbank (%n Tabelle). Die erste Synchronisation fügt ihre eigenen pipedrive_sync_*-Tabellen hinzu.</numerusform>
            <numerusform>Verbunden mit einer CRM-Datenbank (%n Tabellen). Die erste Synchronisation fügt ihre eigenen pipedrive_sync_*-Tabellen hinzu.</numerusform>
        </translation>
    </message>
    <message>
        <source>Connected, but this is not a CRM database: it lacks %1.</source>
        <translation>Verbunden, aber dies ist keine CRM-Datenbank: Es fehlt %1.</translation>
    </message>
    <message>
        <source>The CRM&apos;s SQLite database</source>
        <translation>Die SQLite-Datenbank des CRM</translation>
    </message>
    <message>
        <source>SQLite databases (*.sqlite3 *.sqlite *.db);;All files (*)</source>
        <translation>SQLite-Datenbanken (*.sqlite3 *.sqlite *.db);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Enter your Pipedrive company domain: the name before .pipedrive.com in the address of your Pipedrive account.</source>
        <translation>Die Pipedrive-Firmen-Domain eintragen: der Name vor .pipedrive.com in der Adresse Ihres Pipedrive-Kontos.</translation>
    </message>
    <message>
        <source>Enter the API token: in Pipedrive, open Personal preferences &gt; API and copy your personal token.</source>
        <translation>Das API-Token eintragen: In Pipedrive Persönliche Einstellungen &gt; API öffnen und das persönliche Token kopieren.</translation>
    </message>
    <message>
        <source>Choose a file for the SQLite database.</source>
        <translation>Eine Datei für die SQLite-Datenbank wählen.</translation>
    </message>
    <message>
        <source>Enter the name of the PostgreSQL database.</source>
        <translation>Den Namen der PostgreSQL-Datenbank eintragen.</translation>
    </message>
    <message>
        <source>Saving to the keychain…</source>
        <translation>Speichere im Schlüsselbund…</translation>
    </message>
    <message>
        <source>Nothing was saved: %1</source>
        <translation>Nichts wurde gespeichert: %1</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Aus</translation>
    </message>
    <message>
        <source>Every</source>
        <translation>Alle</translation>
    </message>
    <message>
        <source>Daily at</source>
        <translation>Täglich um</translation>
    </message>
    <message>
        <source> hour</source>
        <translation> Stunde</translation>
    </message>
    <message>
        <source> hours</source>
        <translation> Stunden</translation>
    </message>
    <message>
        <source>&amp;Export…</source>
        <translation>&amp;Exportieren…</translation>
    </message>
    <message>
        <source>Save the sync options, maps and filters as a file for others</source>
        <translation>Synchronisierungsoptionen, Zuordnungen und Filter als Datei für andere speichern</translation>
    </message>
    <message>
        <source>&amp;Import…</source>
        <translation>&amp;Importieren…</translation>
    </message>
    <message>
        <source>Take the sync options, maps and filters from a file someone exported</source>
        <translation>Synchronisierungsoptionen, Zuordnungen und Filter aus einer exportierten Datei übernehmen</translation>
    </message>
    <message>
        <source>Enter the company domain and the API token on the Pipedrive page first.</source>
        <translation>Geben Sie zuerst auf der Seite Pipedrive die Firmendomain und das API-Token ein.</translation>
    </message>
    <message>
        <source>Reading fields, stages and filters from Pipedrive…</source>
        <translation>Felder, Phasen und Filter werden aus Pipedrive gelesen…</translation>
    </message>
    <message>
        <source>Export the sync configuration</source>
        <translation>Synchronisierungskonfiguration exportieren</translation>
    </message>
    <message>
        <source>Configuration files (*.json)</source>
        <translation>Konfigurationsdateien (*.json)</translation>
    </message>
    <message>
        <source>Exported the sync options, maps and filters to %1.</source>
        <translation>Synchronisierungsoptionen, Zuordnungen und Filter nach %1 exportiert.</translation>
    </message>
    <message>
        <source>Could not write %1: %2</source>
        <translation>%1 konnte nicht geschrieben werden: %2</translation>
    </message>
    <message>
        <source>Import a sync configuration</source>
        <translation>Synchronisierungskonfiguration importieren</translation>
    </message>
    <message>
        <source>Configuration files (*.json);;All files (*)</source>
        <translation>Konfigurationsdateien (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>%1 was not imported:
%2</source>
        <translation>%1 wurde nicht importiert:
%2</translation>
    </message>
    <message>
        <source>Imported %1. Save to use it.</source>
        <translation>%1 importiert. Speichern Sie, um sie zu verwenden.</translation>
    </message>
</context>
<context>
    <name>pds::StatsView</name>
    <message numerus="yes">
        <source>%n s</source>
        <translation>
            <numerusform>%n s</numerusform>
            <numerusform>%n s</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 min %2 s</source>
        <translation>%1 min %2 s</translation>
    </message>
    <message>
        <source>Entity</source>
        <translation>Datenart</translation>
    </message>
    <message>
        <source>CRM tables</source>
        <translation>CRM-Tabellen</translation>
    </message>
    <message>
        <source>CRM rows</source>
        <translation>CRM-Zeilen</translation>
    </message>
    <message>
        <source>Mapped rows</source>
        <translation>Zugeordnete Zeilen</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Angelegt</translation>
    </message>
    <message>
        <source>Updated</source>
        <translation>Aktualisiert</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>Übersprungen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Last result</source>
        <translation>Letztes Ergebnis</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>Letzte Synchronisation</translation>
    </message>
    <message>
        <source>Started</source>
        <translation>Begonnen</translation>
    </message>
    <message>
        <source>Mode</source>
        <translation>Modus</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>Ergebnis</translation>
    </message>
    <message>
        <source>Fetched</source>
        <translation>Gelesen</translation>
    </message>
    <message>
        <source>Unchanged</source>
        <translation>Unverändert</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>Zusammengeführt</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>Gelöscht</translation>
    </message>
    <message>
        <source>Duration</source>
        <translation>Dauer</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
    </message>
    <message>
        <source>No sync has run on this database yet: the counts appear after the first one.</source>
        <translation>Auf dieser Datenbank lief noch keine Synchronisation: Die Zahlen erscheinen nach der ersten.</translation>
    </message>
    <message>
        <source>Counts as of %1.</source>
        <translation>Stand %1.</translation>
    </message>
    <message>
        <source>%1 (dry run)</source>
        <translation>%1 (Probelauf)</translation>
    </message>
    <message>
        <source>full</source>
        <translation>vollständig</translation>
    </message>
    <message>
        <source>incremental</source>
        <translation>inkrementell</translation>
    </message>
    <message>
        <source>%1, dry run</source>
        <translation>%1, Probelauf</translation>
    </message>
    <message>
        <source>undo</source>
        <translation>rückgängig</translation>
    </message>
</context>
<context>
    <name>pds::SyncEngine</name>
    <message>
        <source>reading Pipedrive&apos;s settings</source>
        <translation>lese die Einstellungen von Pipedrive</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>fetching</source>
        <translation>lese</translation>
    </message>
    <message>
        <source>waiting %1 s for Pipedrive&apos;s rate limit</source>
        <translation>warte %1 s wegen des Ratenlimits von Pipedrive</translation>
    </message>
    <message>
        <source>retrying in %1 s: %2</source>
        <translation>neuer Versuch in %1 s: %2</translation>
    </message>
    <message>
        <source>Nothing of the unfinished page was written; the next sync resumes where this one stopped.</source>
        <translation>Von der unfertigen Seite wurde nichts geschrieben; die nächste Synchronisation macht dort weiter, wo diese stehen blieb.</translation>
    </message>
    <message>
        <source>the database connection was lost: reconnecting</source>
        <translation>die Verbindung zur Datenbank ist abgerissen: verbinde neu</translation>
    </message>
    <message>
        <source>Lost the connection to the database and could not reconnect (%1 attempts): %2</source>
        <translation>Die Verbindung zur Datenbank ist abgerissen und ließ sich nicht wiederherstellen (%1 Versuche): %2</translation>
    </message>
    <message>
        <source>reconnected to the database</source>
        <translation>wieder mit der Datenbank verbunden</translation>
    </message>
</context>
<context>
    <name>pds::Tray</name>
    <message>
        <source>&amp;Open Pipedrive Sync</source>
        <translation>Pipedrive Sync ö&amp;ffnen</translation>
    </message>
    <message>
        <source>&amp;Sync all now</source>
        <translation>&amp;Jetzt alles synchronisieren</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>Pipedrive Sync</source>
        <translation>Pipedrive Sync</translation>
    </message>
    <message>
        <source>Scheduled sync running…</source>
        <translation>Geplante Synchronisation läuft…</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>Synchronisiere…</translation>
    </message>
    <message>
        <source>Last sync (%1): %2</source>
        <translation>Letzte Synchronisation (%1): %2</translation>
    </message>
    <message>
        <source>Next scheduled sync: %1</source>
        <translation>Nächste geplante Synchronisation: %1</translation>
    </message>
    <message>
        <source>No scheduled syncs.</source>
        <translation>Keine geplanten Synchronisationen.</translation>
    </message>
    <message>
        <source>Scheduled sync failed</source>
        <translation>Geplante Synchronisation fehlgeschlagen</translation>
    </message>
    <message>
        <source>Scheduled sync finished</source>
        <translation>Geplante Synchronisation beendet</translation>
    </message>
</context>
<context>
    <name>pds::UndoJournal</name>
    <message>
        <source>run %1</source>
        <translation>Lauf %1</translation>
    </message>
    <message>
        <source>run %1 (%2, started %3 UTC)</source>
        <translation>Lauf %1 (%2, gestartet %3 UTC)</translation>
    </message>
    <message>
        <source>Run %1 cannot be undone: %2</source>
        <translation>Lauf %1 kann nicht rückgängig gemacht werden: %2</translation>
    </message>
    <message>
        <source>there is no such run.</source>
        <translation>diesen Lauf gibt es nicht.</translation>
    </message>
    <message>
        <source>it was a dry run, which changes nothing.</source>
        <translation>es war ein Probelauf, der nichts ändert.</translation>
    </message>
    <message>
        <source>it is an undo itself.</source>
        <translation>er ist selbst ein Rückgängigmachen.</translation>
    </message>
    <message>
        <source>it changed nothing in the CRM, or it was undone already.</source>
        <translation>er hat im CRM nichts geändert, oder er wurde bereits rückgängig gemacht.</translation>
    </message>
    <message>
        <source>%1 changed the same rows later (%2). Undo run %3 first.</source>
        <translation>%1 hat später dieselben Zeilen geändert (%2). Machen Sie zuerst Lauf %3 rückgängig.</translation>
    </message>
    <message>
        <source>%1 changed the same mappings later (Pipedrive %2). Undo run %3 first.</source>
        <translation>%1 hat später dieselben Zuordnungen geändert (Pipedrive %2). Machen Sie zuerst Lauf %3 rückgängig.</translation>
    </message>
    <message>
        <source>%1 wrote %2, which refers to a row this sync created. Undo run %3 first.</source>
        <translation>%1 hat %2 geschrieben, das auf eine Zeile verweist, die diese Synchronisation angelegt hat. Machen Sie zuerst Lauf %3 rückgängig.</translation>
    </message>
    <message>
        <source>%1 refers to a row this sync created, and it was written outside Pipedrive Sync (in the CRM).</source>
        <translation>%1 verweist auf eine Zeile, die diese Synchronisation angelegt hat, und wurde außerhalb von Pipedrive Sync geschrieben (im CRM).</translation>
    </message>
    <message>
        <source>%1 mapped Pipedrive %2 to a row this sync created. Undo run %3 first.</source>
        <translation>%1 hat Pipedrive %2 einer Zeile zugeordnet, die diese Synchronisation angelegt hat. Machen Sie zuerst Lauf %3 rückgängig.</translation>
    </message>
    <message>
        <source>the mapping of Pipedrive %1 points at a row this sync created, and it was written outside Pipedrive Sync.</source>
        <translation>die Zuordnung von Pipedrive %1 verweist auf eine Zeile, die diese Synchronisation angelegt hat, und wurde außerhalb von Pipedrive Sync geschrieben.</translation>
    </message>
    <message>
        <source>Undid run %1 (the sync of runs %2): %3 rows removed, %4 restored, %5 put back.</source>
        <translation>Lauf %1 rückgängig gemacht (Synchronisation der Läufe %2): %3 Zeilen entfernt, %4 wiederhergestellt, %5 wieder eingefügt.</translation>
    </message>
    <message>
        <source>Run %1 was not undone: %2 Nothing was changed.</source>
        <translation>Lauf %1 wurde nicht rückgängig gemacht: %2 Es wurde nichts geändert.</translation>
    </message>
    <message>
        <source>Undid the sync of runs %1 (%2): %3 rows removed, %4 restored, %5 put back. The next sync reads these records from Pipedrive again.</source>
        <translation>Synchronisation der Läufe %1 (%2) rückgängig gemacht: %3 Zeilen entfernt, %4 wiederhergestellt, %5 wieder eingefügt. Die nächste Synchronisation liest diese Datensätze erneut aus Pipedrive.</translation>
    </message>
    <message>
        <source>Run %1 cannot be undone now: %2</source>
        <translation>Lauf %1 kann jetzt nicht rückgängig gemacht werden: %2</translation>
    </message>
</context>
<context>
    <name>pds::UserText</name>
    <message>
        <source>The Pipedrive settings are incomplete: %1 Open Settings to fix them.</source>
        <translation>Die Pipedrive-Einstellungen sind unvollständig: %1 In den Einstellungen ergänzen.</translation>
    </message>
    <message>
        <source>Pipedrive refused the API token. Check the company domain and paste the token again from Pipedrive (Personal preferences &gt; API) in Settings.</source>
        <translation>Pipedrive hat das API-Token abgelehnt. Die Firmen-Domain prüfen und das Token aus Pipedrive (Persönliche Einstellungen &gt; API) erneut in den Einstellungen einfügen.</translation>
    </message>
    <message>
        <source>Pipedrive blocked requests from this computer for a while after too many of them. Wait a few minutes and try again.</source>
        <translation>Pipedrive sperrt Anfragen von diesem Rechner eine Weile, weil es zu viele waren. Ein paar Minuten warten und erneut versuchen.</translation>
    </message>
    <message>
        <source>Pipedrive does not know this address (%1). Check the company domain in Settings.</source>
        <translation>Pipedrive kennt diese Adresse nicht (%1). Die Firmen-Domain in den Einstellungen prüfen.</translation>
    </message>
    <message>
        <source>Pipedrive refused the request (%1). Check the settings; if it persists, report it with the log.</source>
        <translation>Pipedrive hat die Anfrage abgelehnt (%1). Die Einstellungen prüfen; bleibt der Fehler, ihn mit dem Protokoll melden.</translation>
    </message>
    <message>
        <source>Pipedrive&apos;s rate limit was reached and waiting did not help. Try again in a few minutes.</source>
        <translation>Das Ratenlimit von Pipedrive wurde erreicht, und Warten half nicht. In ein paar Minuten erneut versuchen.</translation>
    </message>
    <message>
        <source>The company&apos;s daily Pipedrive API budget is used up. Syncing can go on after %1; the next sync resumes where this one stopped.</source>
        <translation>Das tägliche Pipedrive-API-Budget der Firma ist aufgebraucht. Ab %1 kann weiter synchronisiert werden; die nächste Synchronisation macht dort weiter, wo diese stehen blieb.</translation>
    </message>
    <message>
        <source>Pipedrive&apos;s servers answered with an error (HTTP %1). Try again later.</source>
        <translation>Die Server von Pipedrive antworteten mit einem Fehler (HTTP %1). Später erneut versuchen.</translation>
    </message>
    <message>
        <source>Pipedrive could not be reached. Check the internet connection and the company domain.</source>
        <translation>Pipedrive war nicht erreichbar. Die Internetverbindung und die Firmen-Domain prüfen.</translation>
    </message>
    <message>
        <source>Pipedrive did not answer in time. Check the internet connection and try again.</source>
        <translation>Pipedrive hat nicht rechtzeitig geantwortet. Die Internetverbindung prüfen und erneut versuchen.</translation>
    </message>
    <message>
        <source>Pipedrive&apos;s answer could not be read (%1). Try again; if it persists, report it with the log.</source>
        <translation>Die Antwort von Pipedrive war nicht lesbar (%1). Erneut versuchen; bleibt der Fehler, ihn mit dem Protokoll melden.</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>The database cannot be reached: %1 Check the file or server in Settings.</source>
        <translation>Die Datenbank ist nicht erreichbar: %1 Datei oder Server in den Einstellungen prüfen.</translation>
    </message>
    <message>
        <source>The database refused the user name or password. Check them in Settings.</source>
        <translation>Die Datenbank hat Benutzername oder Passwort abgelehnt. Beide in den Einstellungen prüfen.</translation>
    </message>
    <message>
        <source>The database does not exist on the server. Create it, or correct its name in Settings.</source>
        <translation>Die Datenbank gibt es auf dem Server nicht. Sie anlegen oder ihren Namen in den Einstellungen korrigieren.</translation>
    </message>
    <message>
        <source>This database is not a CRM database: it holds other tables, or the CRM lacks %1. Choose the CRM&apos;s database (or an empty one) in Settings.</source>
        <translation>Diese Datenbank ist keine CRM-Datenbank: Sie enthält andere Tabellen, oder dem CRM fehlt %1. In den Einstellungen die Datenbank des CRM (oder eine leere) wählen.</translation>
    </message>
    <message>
        <source>tables the sync needs</source>
        <translation>Tabellen, die die Synchronisation braucht</translation>
    </message>
    <message>
        <source>The database is busy: another program or sync is writing to it. Try again when it has finished.</source>
        <translation>Die Datenbank ist belegt: Ein anderes Programm oder eine andere Synchronisation schreibt hinein. Erneut versuchen, wenn es fertig ist.</translation>
    </message>
    <message>
        <source>The database is read-only. Check the file&apos;s permissions or the user&apos;s rights.</source>
        <translation>Die Datenbank ist schreibgeschützt. Die Rechte der Datei oder des Benutzers prüfen.</translation>
    </message>
    <message>
        <source>The disk holding the database is full. Free some space and try again.</source>
        <translation>Der Datenträger der Datenbank ist voll. Platz schaffen und erneut versuchen.</translation>
    </message>
    <message>
        <source>The database refused a row: %1</source>
        <translation>Die Datenbank hat eine Zeile abgelehnt: %1</translation>
    </message>
    <message>
        <source>The database reported an error: %1</source>
        <translation>Die Datenbank meldete einen Fehler: %1</translation>
    </message>
    <message>
        <source>Dry run finished: nothing was written.</source>
        <translation>Probelauf beendet: Nichts wurde geschrieben.</translation>
    </message>
    <message>
        <source>Sync finished.</source>
        <translation>Synchronisation beendet.</translation>
    </message>
    <message>
        <source>Dry run finished with problems: nothing was written. See Problems.</source>
        <translation>Probelauf mit Problemen beendet: Nichts wurde geschrieben. Siehe Probleme.</translation>
    </message>
    <message>
        <source>Sync finished; some records were not imported. See Problems.</source>
        <translation>Synchronisation beendet; einige Datensätze wurden nicht importiert. Siehe Probleme.</translation>
    </message>
    <message>
        <source>Sync cancelled. The next sync goes on from where it stopped.</source>
        <translation>Synchronisation abgebrochen. Die nächste macht dort weiter, wo sie stehen blieb.</translation>
    </message>
    <message>
        <source>Sync stopped: %1</source>
        <translation>Synchronisation gestoppt: %1</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>Erfolgreich</translation>
    </message>
    <message>
        <source>Finished with problems</source>
        <translation>Mit Problemen beendet</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>Abgebrochen</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Fehlgeschlagen</translation>
    </message>
    <message>
        <source>Interrupted</source>
        <translation>Unterbrochen</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Läuft</translation>
    </message>
    <message>
        <source>Users</source>
        <translation>Benutzer</translation>
    </message>
    <message>
        <source>Organizations</source>
        <translation>Organisationen</translation>
    </message>
    <message>
        <source>Persons</source>
        <translation>Personen</translation>
    </message>
    <message>
        <source>Deals</source>
        <translation>Deals</translation>
    </message>
    <message>
        <source>Activities</source>
        <translation>Aktivitäten</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>Notizen</translation>
    </message>
    <message>
        <source>Skipped</source>
        <translation>Übersprungen</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>Zusammengeführt</translation>
    </message>
    <message>
        <source>Deleted</source>
        <translation>Gelöscht</translation>
    </message>
    <message>
        <source>Pipedrive refused access to %1: the token&apos;s user lacks the permission. Use the API token of a Pipedrive user who may see all of the company&apos;s data, or ask a Pipedrive admin for the permission.</source>
        <translation>Pipedrive hat den Zugriff auf %1 verweigert: Dem Benutzer des Tokens fehlt die Berechtigung. Das API-Token eines Pipedrive-Benutzers verwenden, der alle Daten der Firma sehen darf, oder einen Pipedrive-Admin um die Berechtigung bitten.</translation>
    </message>
    <message>
        <source>Pipedrive says the company account is not open: its subscription or trial may have ended. Syncing can go on once the account is active again.</source>
        <translation>Laut Pipedrive ist das Firmenkonto nicht aktiv: Das Abonnement oder die Testphase ist womöglich abgelaufen. Sobald das Konto wieder aktiv ist, kann weiter synchronisiert werden.</translation>
    </message>
    <message>
        <source>Warning</source>
        <translation>Warnung</translation>
    </message>
</context>
</TS>
