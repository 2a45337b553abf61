// `sluice tokens [create|revoke]`: API bearer tokens; a new token is printed once and stored hashed.
import { UsageError } from '../../../domain/errors.ts';
import { isRole, Role } from '../../../domain/roles.ts';
import { createToken, listTokens, revokeToken } from '../../postgres/token-store.ts';
import { type Command, stringOption } from '../command.ts';
import { json, table } from '../format.ts';
import { withSluice } from '../open.ts';

export const tokensCommand: Command = {
  name: 'tokens',
  summary: 'List API tokens, create one (shown once) or revoke one.',
  usage: 'tokens | tokens create --name N --role viewer|analyst|admin | tokens revoke <name>',
  options: {
    name: { type: 'string', description: 'token name (create)' },
    role: { type: 'string', description: `role (create): ${Object.values(Role).join(', ')}` },
  },
  async run(args, io) {
    const [action, target] = args.positionals;
    if (action === 'create') {
      const name = stringOption(args, 'name');
      const role = stringOption(args, 'role');
      if (!name || !/^[\w.-]{1,64}$/.test(name))
        throw new UsageError('--name is required: letters, digits, . _ - (≤ 64)');
      if (!role || !isRole(role))
        throw new UsageError(`--role must be one of ${Object.values(Role).join(', ')}`);
      const created = await withSluice(args, io, (sluice) => createToken(sluice.db, name, role));
      if (args.json) io.stdout(json({ token: created.token, ...created.record }));
      else {
        io.stdout(
          `created token "${name}" (${role}). Copy it now: it is not stored and cannot be shown again.\n${created.token}\n`,
        );
      }
      return 0;
    }
    if (action === 'revoke') {
      if (!target) throw new UsageError('name the token to revoke: sluice tokens revoke <name>');
      await withSluice(args, io, (sluice) => revokeToken(sluice.db, target));
      io.stdout(args.json ? json({ revoked: target }) : `revoked token "${target}"\n`);
      return 0;
    }
    if (action !== undefined && action !== 'list') throw new UsageError(`unknown tokens action "${action}"`);
    const tokens = await withSluice(args, io, (sluice) => listTokens(sluice.db));
    if (args.json) io.stdout(json({ tokens }));
    else if (tokens.length === 0)
      io.stdout('no tokens yet: sluice tokens create --name <name> --role viewer\n');
    else {
      io.stdout(
        `${table(
          ['name', 'role', 'created', 'last used', 'revoked'],
          tokens.map((t) => [t.name, t.role, t.createdAt, t.lastUsedAt, t.revokedAt]),
        )}\n`,
      );
    }
    return 0;
  },
};
