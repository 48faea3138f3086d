package io.ringwork.core.gluer.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;

/**
 * RFC 7396 JSON Merge Patch on Jackson trees.
 *
 * <p>A patch that is an object is merged member by member: a {@code null} member removes that
 * member from the target, an object member is merged recursively, anything else replaces the
 * member. A patch that is not an object replaces the target as a whole. Merge patch cannot fail:
 * every JSON value is a valid merge patch for every target.
 *
 * <p>Never mutates its arguments and returns a tree of its own: the target is deep-copied once,
 * values taken from the patch are deep-copied. Stateless and thread-safe, as long as nobody
 * mutates the arguments during the call.
 */
public final class JsonMergePatch {
    private JsonMergePatch() {}

    /**
     * Applies {@code patch} to {@code target}.
     *
     * @param target the document to patch; null (or a missing node) means there is none yet
     * @param patch the merge patch, any JSON value; not null (a JSON null is {@code NullNode})
     * @return the merged document, sharing no node with either argument
     */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        Objects.requireNonNull(patch, "patch");
        if (!(patch instanceof ObjectNode patchObject)) return patch.deepCopy();
        ObjectNode result = target instanceof ObjectNode targetObject
                ? targetObject.deepCopy()
                : patchObject.objectNode();
        mergeInto(result, patchObject);
        return result;
    }

    /** RFC 7396 section 2 on a target we own, so it is changed in place. */
    private static void mergeInto(ObjectNode target, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> member : patch.properties()) {
            String name = member.getKey();
            JsonNode value = member.getValue();
            if (value.isNull()) {
                target.remove(name);
            } else if (value instanceof ObjectNode valueObject) {
                // A member that is not an object yet (or is absent) is merged into as if it were {}.
                ObjectNode child = target.get(name) instanceof ObjectNode existing
                        ? existing
                        : target.putObject(name);
                mergeInto(child, valueObject);
            } else {
                target.set(name, value.deepCopy());
            }
        }
    }
}
