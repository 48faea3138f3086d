package io.ringwork.runtime.cli;

import io.ringwork.runtime.http.auth.ApiTokens;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ringwork token new NAME SCOPE...}: makes a random API token. Prints the secret (give it to
 * the client, once) and the line for the nodes' {@code --api-tokens} file, which holds only its hash.
 */
@Command(name = "token", description = "API tokens for --api-tokens", mixinStandardHelpOptions = true,
        subcommands = TokenCommand.New.class)
public final class TokenCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.err.println("usage: ringwork token new NAME SCOPE... (scopes: admin, read, tenant:NAME, kv:PREFIX, health)");
        return 2;
    }

    @Command(name = "new", description = "make a token: prints its secret and the line for the --api-tokens file",
            mixinStandardHelpOptions = true)
    static final class New implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "NAME", description = "the token's name (in logs and errors)") String name;
        @Parameters(index = "1..*", arity = "1..*", paramLabel = "SCOPE", description = "admin, read, tenant:NAME, kv:PREFIX or health")
        List<String> scopes;
        @Option(names = "--line-only", description = "print only the file line (the secret goes to stderr)") boolean lineOnly;

        @Override
        public Integer call() {
            if (!name.matches("[A-Za-z0-9._:-]{1,64}")) {
                System.err.println("a token name is 1-64 letters, digits, '.', '_', ':' or '-', got '" + name + "'");
                return 2;
            }
            String secret = ApiTokens.newSecret(new SecureRandom());
            String line;
            try {
                line = ApiTokens.line(name, secret, scopes);
            } catch (IllegalArgumentException e) {
                System.err.println(e.getMessage());
                return 2;
            }
            if (lineOnly) {
                System.err.println("secret: " + secret);
                System.out.println(line);
            } else {
                System.out.println("secret (give it to the client; it is not stored anywhere): " + secret);
                System.out.println("line for every node's --api-tokens file: " + line);
            }
            return 0;
        }
    }
}
