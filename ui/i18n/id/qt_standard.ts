<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="id_ID">
<context>
    <name>QGnomeTheme</name>
    <message>
        <location filename="../../qt_standard.py" line="36" />
        <source>&amp;OK</source>
        <translation>&amp;OK</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="37" />
        <source>&amp;Save</source>
        <translation>&amp;Simpan</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="38" />
        <source>&amp;Cancel</source>
        <translation>&amp;Batal</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="39" />
        <source>&amp;Close</source>
        <translation>&amp;Tutup</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="40" />
        <source>Close without Saving</source>
        <translation>Tutup tanpa Menyimpan</translation>
    </message>
</context>
<context>
    <name>QLineEdit</name>
    <message>
        <location filename="../../qt_standard.py" line="46" />
        <source>&amp;Undo</source>
        <translation>&amp;Urungkan</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="47" />
        <source>&amp;Redo</source>
        <translation>U&amp;lang</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="48" />
        <source>Cu&amp;t</source>
        <translation>Po&amp;tong</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="49" />
        <source>&amp;Copy</source>
        <translation>&amp;Salin</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="50" />
        <source>&amp;Paste</source>
        <translation>&amp;Tempel</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="51" />
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="52" />
        <source>Select All</source>
        <translation>Pilih Semua</translation>
    </message>
</context>
<context>
    <name>QMessageBox</name>
    <message>
        <location filename="../../qt_standard.py" line="41" />
        <source>Show Details...</source>
        <translation>Tampilkan Rincian...</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="42" />
        <source>Hide Details...</source>
        <translation>Sembunyikan Rincian...</translation>
    </message>
</context>
<context>
    <name>QPlatformTheme</name>
    <message>
        <location filename="../../qt_standard.py" line="16" />
        <source>OK</source>
        <translation>OK</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="17" />
        <source>Save</source>
        <translation>Simpan</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="18" />
        <source>Save All</source>
        <translation>Simpan Semua</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="19" />
        <source>Open</source>
        <translation>Buka</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="20" />
        <source>&amp;Yes</source>
        <translation>&amp;Ya</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="21" />
        <source>Yes to &amp;All</source>
        <translation>Ya untuk &amp;Semua</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="22" />
        <source>&amp;No</source>
        <translation>&amp;Tidak</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="23" />
        <source>N&amp;o to All</source>
        <translation>T&amp;idak untuk Semua</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="24" />
        <source>Abort</source>
        <translation>Hentikan</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="25" />
        <source>Retry</source>
        <translation>Coba Lagi</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="26" />
        <source>Ignore</source>
        <translation>Abaikan</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="27" />
        <source>Close</source>
        <translation>Tutup</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="28" />
        <source>Cancel</source>
        <translation>Batal</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="29" />
        <source>Discard</source>
        <translation>Buang</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="30" />
        <source>Help</source>
        <translation>Bantuan</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="31" />
        <source>Apply</source>
        <translation>Terapkan</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="32" />
        <source>Reset</source>
        <translation>Atur Ulang</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="33" />
        <source>Restore Defaults</source>
        <translation>Kembalikan Bawaan</translation>
    </message>
</context>
<context>
    <name>QWidgetTextControl</name>
    <message>
        <location filename="../../qt_standard.py" line="53" />
        <source>&amp;Undo</source>
        <translation>&amp;Urungkan</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="54" />
        <source>&amp;Redo</source>
        <translation>U&amp;lang</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="55" />
        <source>Cu&amp;t</source>
        <translation>Po&amp;tong</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="56" />
        <source>&amp;Copy</source>
        <translation>&amp;Salin</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="57" />
        <source>Copy &amp;Link Location</source>
        <translation>Salin &amp;Alamat Tautan</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="58" />
        <source>&amp;Paste</source>
        <translation>&amp;Tempel</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="59" />
        <source>Delete</source>
        <translation>Hapus</translation>
    </message>
    <message>
        <location filename="../../qt_standard.py" line="60" />
        <source>Select All</source>
        <translation>Pilih Semua</translation>
    </message>
</context>
</TS>