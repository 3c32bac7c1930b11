import { finding } from '../finding.ts';
import type { PrecheckRule } from '../types.ts';

/** W09: no signing key configured: the evidence is signed with the built-in demo key. */
export const demoSigningKeyRule: PrecheckRule = {
  id: 'W09-demo-signing-key',
  codes: ['W09'],
  check(s) {
    if (s.signingKey.source !== 'none') return [];
    return [
      finding(
        'W09',
        'evidence',
        'no evidence signing key is configured: evidence will be signed with the built-in demo key, whose private ' +
          'key is public, so the signature proves nothing to an auditor',
        'Configure evidence.signing_key_path (Ed25519 PKCS#8 PEM), evidence.kms_key_arn (KMS key spec ' +
          'ECC_NIST_EDWARDS25519) or evidence.secret_arn (Secrets Manager secret holding the PEM).',
      ),
    ];
  },
};
