"""Describes what `sam build` left in .aws-sam: how many build definitions it ran, how many
function artefacts it made and how many of them differ, and the size of the executable and of
its zip (what `sam package` uploads for a function). Fails unless every function got the one
executable from one build. Usage: python infra/sam_artefacts.py .aws-sam template.yaml
"""

import glob, hashlib, io, os, re, sys, zipfile
build, template = sys.argv[1:]
definitions = len(re.findall(r"^\[function_build_definitions\.[^.\]]+\]$", open(os.path.join(build, "build.toml")).read(), re.M))
functions = len(re.findall(r"^    Type: AWS::Serverless::Function$", open(template).read(), re.M))
boots = sorted(glob.glob(os.path.join(build, "build", "*", "bootstrap")))
digests = {hashlib.sha256(open(b, "rb").read()).hexdigest() for b in boots}
head = open(boots[0], "rb").read(20)
machine = {0xB7: "aarch64", 0x3E: "x86-64"}.get(int.from_bytes(head[18:20], "little"), "other")
# What sam package uploads for each function: its artefact folder, deflated.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    z.write(boots[0], "bootstrap")
zipped = len(buf.getvalue())
mb = lambda n: f"{n:,} bytes = {n / 1e6:.2f} MB ({n / 2**20:.2f} MiB)"
print(f"functions: {functions}; build definitions: {definitions}; artefacts: {len(boots)}, distinct: {len(digests)}")
print(f"bootstrap (ELF {machine}): {mb(os.path.getsize(boots[0]))}")
print(f"bootstrap zipped:         {mb(zipped)}   goal <= 6 MB: {'met' if zipped <= 6e6 else 'NOT MET'}")
if definitions != 1 or len(digests) != 1 or len(boots) != functions:
    sys.exit("expected one build definition and one executable for every function")
