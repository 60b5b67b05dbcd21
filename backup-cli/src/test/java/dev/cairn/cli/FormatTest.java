package dev.cairn.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class FormatTest {
    @Test
    void mode_typesAndSpecialBits_likeLs() {
        assertThat(Format.mode("dir", 0755)).isEqualTo("drwxr-xr-x");
        assertThat(Format.mode("file", 0640)).isEqualTo("-rw-r-----");
        assertThat(Format.mode("symlink", 0777)).isEqualTo("lrwxrwxrwx");
        assertThat(Format.mode("file", 04755)).isEqualTo("-rwsr-xr-x");
        assertThat(Format.mode("file", 02644)).isEqualTo("-rw-r-Sr--");
        assertThat(Format.mode("dir", 01777)).isEqualTo("drwxrwxrwt");
        assertThat(Format.mode("dir", 01770)).isEqualTo("drwxrwx--T");
        assertThat(Format.mode("fifo", 0600)).isEqualTo("prw-------");
        assertThat(Format.mode("chardev", 0)).isEqualTo("c---------");
    }

    @Test
    void bytes_binaryUnits() {
        assertThat(Format.bytes(0)).isEqualTo("0 B");
        assertThat(Format.bytes(1023)).isEqualTo("1023 B");
        assertThat(Format.bytes(1536)).isEqualTo("1.5 KiB");
        assertThat(Format.bytes(3L * 1024 * 1024 * 1024)).isEqualTo("3.0 GiB");
        assertThat(Format.bytes(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
    }

    @Test
    void printable_controlCharacters_escaped() {
        assertThat(Format.printable("plain name.txt")).isEqualTo("plain name.txt");
        assertThat(Format.printable("a\nb\tc\u001b[2J")).isEqualTo("a\\nb\\tc\\x1b[2J");
    }

    @Test
    void table_alignsColumns() {
        List<String> t = Format.table(List.of(new String[] {"ID", "SIZE", "PATH"},
                new String[] {"abc", "7", "/x"}, new String[] {"d", "1234", "/long/path"}), false, true);

        assertThat(t).containsExactly("ID   SIZE  PATH", "abc     7  /x", "d    1234  /long/path");
    }

    @Test
    void oneLine_joinsLines() {
        assertThat(Main.oneLine("pg_dump failed.\n  error: no such table\r\n")).isEqualTo(
                "pg_dump failed. error: no such table");
    }
}
