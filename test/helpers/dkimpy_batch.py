#!/usr/bin/python3
"""Sign or verify a batch of messages with dkimpy (Debian's python3-dkim) in one process.

The differential tests need thousands of dkimpy answers; one process per message would take minutes.
Reads one JSON object on stdin, writes one JSON object on stdout. Bytes travel as base64.

  {"mode": "sign", "clock": EPOCH, "keys": {ID: {"kind": "rsa", "pem": PKCS1_PEM} | {"kind": "ed25519", "seed": B64}},
   "jobs": [{"message": B64, "linesep": "\\r\\n" | "\\n",
             "signatures": [{"key": ID, "domain": D, "selector": S, "canon": ["relaxed", "simple"],
                             "headers": [NAME, ...], "h_text": TEXT | null, "length": BOOL}]}]}
  -> {"results": [{"message": B64} | {"error": TEXT}]}

Each signature is added on top of the message as signed so far (the second signer sees the first's field).
"h_text", when given, is written as the h= value instead of dkimpy's own "a : b" (to test mixed case and
spacing in h=); the header fields hashed are still "headers", lower-cased, as dkimpy requires.

  {"mode": "verify", "clock": EPOCH, "minkey": 1024, "records": {"sel._domainkey.dom": TXT},
   "messages": [B64, ...]}
  -> {"results": [{"parse_error": TEXT | null, "signatures": [{"result": "pass" | "fail", "reason": TEXT | null}]}]}

The clock is pinned (dkimpy reads time.time() for t= when signing and for the t=/x= checks when verifying),
so a result never depends on the day the tests run. No DNS query is ever made.
"""
import base64
import json
import logging
import sys
import types

import dkim


def pin_clock(epoch):
    dkim.time = types.SimpleNamespace(time=lambda: float(epoch))


class CustomHDKIM(dkim.DKIM):
    """dkimpy's signer, with the h= text written as given (dkimpy always writes lower-case "a : b")."""

    h_text = None

    def gen_header(self, fields, include_headers, canon_policy, header_name, pk, standardize=False):
        if self.h_text is not None:
            fields = [(name, self.h_text if name == b"h" else value) for name, value in fields]
        return super().gen_header(fields, include_headers, canon_policy, header_name, pk, standardize)


def private_key(spec):
    if spec["kind"] == "rsa":
        return spec["pem"].encode("ascii"), b"rsa-sha256"
    return spec["seed"].encode("ascii"), b"ed25519-sha256"


def sign_job(job, keys, quiet):
    message = base64.b64decode(job["message"])
    linesep = job.get("linesep", "\r\n").encode("ascii")
    for spec in job["signatures"]:
        privkey, algorithm = private_key(keys[spec["key"]])
        signer = CustomHDKIM(message, logger=quiet, signature_algorithm=algorithm, linesep=linesep)
        if spec.get("h_text") is not None:
            signer.h_text = spec["h_text"].encode("latin-1")
        field = signer.sign(
            spec["selector"].encode("ascii"),
            spec["domain"].encode("ascii"),
            privkey,
            canonicalize=tuple(c.encode("ascii") for c in spec["canon"]),
            include_headers=[name.encode("latin-1") for name in spec["headers"]],
            length=bool(spec.get("length")),
        )
        message = field + message
    return {"message": base64.b64encode(message).decode("ascii")}


def verify_message(message, records, minkey, quiet):
    def dnsfunc(name, timeout=5):
        key = name.decode("ascii", "replace").rstrip(".").lower()
        value = records.get(key)
        return value.encode("ascii") if value is not None else None

    try:
        count = sum(1 for name, _ in dkim.DKIM(message, logger=quiet).headers if name.lower() == b"dkim-signature")
    except dkim.DKIMException as e:
        return {"parse_error": "%s: %s" % (type(e).__name__, e), "signatures": []}
    signatures = []
    for idx in range(count):
        verifier = dkim.DKIM(message, logger=quiet, minkey=minkey)
        try:
            ok = bool(verifier.verify(idx=idx, dnsfunc=dnsfunc))
            reason = None if ok else "signature did not verify"
        except dkim.DKIMException as e:
            ok, reason = False, "%s: %s" % (type(e).__name__, e)
        except Exception as e:  # a dkimpy crash on hostile input is a "fail" with its reason, not a lost batch
            ok, reason = False, "crash %s: %s" % (type(e).__name__, e)
        signatures.append({"result": "pass" if ok else "fail", "reason": reason})
    return {"parse_error": None, "signatures": signatures}


def main():
    request = json.load(sys.stdin)
    pin_clock(request["clock"])
    quiet = logging.getLogger("dkimpy-batch")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    results = []
    if request["mode"] == "sign":
        for job in request["jobs"]:
            try:
                results.append(sign_job(job, request["keys"], quiet))
            except Exception as e:
                results.append({"error": "%s: %s" % (type(e).__name__, e)})
    else:
        records = {name.rstrip(".").lower(): value for name, value in request["records"].items()}
        for encoded in request["messages"]:
            results.append(verify_message(base64.b64decode(encoded), records, request.get("minkey", 1024), quiet))
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
