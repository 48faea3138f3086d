package io.ringwork.core.gluer.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;

class JsonPointerTest {

    @Example
    void theEmptyPointerIsTheRoot() throws Exception {
        JsonPointer root = JsonPointer.parse("");

        assertThat(root.isRoot()).isTrue();
        assertThat(root.size()).isZero();
        assertThat(root).hasToString("");
    }

    @Example
    void rfc6901Section5Pointers() throws Exception {
        assertThat(tokens("/foo")).containsExactly("foo");
        assertThat(tokens("/foo/0")).containsExactly("foo", "0");
        assertThat(tokens("/")).containsExactly("");
        assertThat(tokens("/a~1b")).containsExactly("a/b");
        assertThat(tokens("/c%d")).containsExactly("c%d");
        assertThat(tokens("/e^f")).containsExactly("e^f");
        assertThat(tokens("/g|h")).containsExactly("g|h");
        assertThat(tokens("/i\\j")).containsExactly("i\\j");
        assertThat(tokens("/k\"l")).containsExactly("k\"l");
        assertThat(tokens("/ ")).containsExactly(" ");
        assertThat(tokens("/m~0n")).containsExactly("m~n");
    }

    @Example
    void emptyTokensAndEscapeOrder() throws Exception {
        assertThat(tokens("//")).containsExactly("", "");
        assertThat(tokens("/a/")).containsExactly("a", "");
        // ~01 is ~0 then 1, so "~1"; unescaping ~1 first would wrongly give "/".
        assertThat(tokens("/~01")).containsExactly("~1");
        assertThat(tokens("/~10")).containsExactly("/0");
        assertThat(tokens("/~0~1~0")).containsExactly("~/~");
    }

    @Example
    void aPointerMustStartWithASlash() {
        assertThatThrownBy(() -> JsonPointer.parse("foo"))
                .isInstanceOf(JsonPatchException.class)
                .hasMessage("invalid JSON pointer \"foo\": must be empty or start with '/'");
        assertThatThrownBy(() -> JsonPointer.parse("0")).isInstanceOf(JsonPatchException.class);
        assertThatThrownBy(() -> JsonPointer.parse(" /a")).isInstanceOf(JsonPatchException.class);
    }

    @Example
    void aTildeMustBeFollowedByZeroOrOne() {
        assertThatThrownBy(() -> JsonPointer.parse("/a~2"))
                .isInstanceOf(JsonPatchException.class)
                .hasMessage("invalid JSON pointer \"/a~2\": '~' at offset 2 must be followed by '0' or '1'");
        for (String bad : List.of("/a~", "/~", "/~/", "/a/b~x", "/~~0")) {
            assertThatThrownBy(() -> JsonPointer.parse(bad)).as(bad).isInstanceOf(JsonPatchException.class);
        }
    }

    @Example
    void nullIsRejectedNotThrownAsNullPointerException() {
        assertThatThrownBy(() -> JsonPointer.parse(null))
                .isInstanceOf(JsonPatchException.class)
                .hasMessage("JSON pointer is null");
    }

    @Example
    void arrayIndexesFollowRfc6901Section4() throws Exception {
        JsonPointer pointer = JsonPointer.parse("/0/7/10/-/01/00/1e0/-1/+1/ 1//x/2147483647/99999999999");

        assertThat(pointer.arrayIndex(0)).isZero();
        assertThat(pointer.arrayIndex(1)).isEqualTo(7);
        assertThat(pointer.arrayIndex(2)).isEqualTo(10);
        assertThat(pointer.arrayIndex(3)).isEqualTo(JsonPointer.END_OF_ARRAY);
        for (int notAnIndex = 4; notAnIndex <= 11; notAnIndex++) {
            assertThat(pointer.arrayIndex(notAnIndex)).as(pointer.token(notAnIndex)).isEqualTo(JsonPointer.NOT_AN_INDEX);
        }
        assertThat(pointer.arrayIndex(12)).isEqualTo(Integer.MAX_VALUE);
        // Too large for any array: kept out of range rather than wrapped around.
        assertThat(pointer.arrayIndex(13)).isEqualTo(Integer.MAX_VALUE);
    }

    @Example
    void properPrefixIsDecidedTokenByToken() throws Exception {
        assertThat(prefix("/a", "/a/b")).isTrue();
        assertThat(prefix("", "/a")).isTrue();
        assertThat(prefix("/a", "/a")).isFalse();
        assertThat(prefix("/a/b", "/a")).isFalse();
        assertThat(prefix("/a", "/ab")).isFalse();
        assertThat(prefix("/a/1", "/a/10")).isFalse();
        assertThat(prefix("/", "/a")).isFalse();
        assertThat(prefix("/a", "/a~1b")).isFalse();
    }

    @Example
    void prefixRendersTheFirstTokensEscaped() throws Exception {
        JsonPointer pointer = JsonPointer.parse("/a~1b/m~0n/0");

        assertThat(pointer.prefix(0)).isEmpty();
        assertThat(pointer.prefix(1)).isEqualTo("/a~1b");
        assertThat(pointer.prefix(2)).isEqualTo("/a~1b/m~0n");
        assertThat(pointer.prefix(3)).isEqualTo("/a~1b/m~0n/0");
    }

    @Example
    void pointersAreEqualByText() throws Exception {
        assertThat(JsonPointer.parse("/a/0")).isEqualTo(JsonPointer.parse("/a/0"))
                .hasSameHashCodeAs(JsonPointer.parse("/a/0"))
                .isNotEqualTo(JsonPointer.parse("/a/00"));
    }

    @Example
    void escapeTurnsTildeAndSlashIntoEscapes() {
        assertThat(JsonPointer.escape("plain")).isEqualTo("plain");
        assertThat(JsonPointer.escape("a/b~c")).isEqualTo("a~1b~0c");
        assertThat(JsonPointer.escape("~1")).isEqualTo("~01");
    }

    @Property(tries = 500)
    void escapedTokensParseBackToThemselves(
            @ForAll @Size(max = 4) List<@StringLength(max = 5) @Chars({'~', '/', '0', '1', 'a'}) @CharRange(from = 'x', to = 'z') String> tokens)
            throws Exception {
        List<String> prefixes = new ArrayList<>(List.of(""));
        StringBuilder text = new StringBuilder();
        for (String token : tokens) prefixes.add(text.append('/').append(JsonPointer.escape(token)).toString());

        JsonPointer pointer = JsonPointer.parse(text.toString());

        assertThat(tokens(pointer)).isEqualTo(tokens);
        assertThat(pointer).hasToString(text.toString());
        for (int count = 0; count <= tokens.size(); count++) {
            assertThat(pointer.prefix(count)).isEqualTo(prefixes.get(count));
        }
    }

    private static List<String> tokens(String text) throws JsonPatchException {
        return tokens(JsonPointer.parse(text));
    }

    private static List<String> tokens(JsonPointer pointer) {
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < pointer.size(); i++) tokens.add(pointer.token(i));
        return tokens;
    }

    private static boolean prefix(String a, String b) throws JsonPatchException {
        return JsonPointer.parse(a).isProperPrefixOf(JsonPointer.parse(b));
    }
}
