"""Checks template.yaml the way `sam deploy` will see it: expands the SAM transform (as
CloudFormation does) and lints the expanded template with cfn-lint, which on its own does not
look inside SAM resources. Usage: python infra/sam_validate.py template.yaml
"""

import json
import os
import subprocess
import sys
import tempfile

from cfnlint.decode import decode_str
from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.translator.transform import transform


class NoManagedPolicies:
    """The template names no AWS managed policies by name, so none need looking up."""

    def load(self):
        return {}


def main(path):
    os.environ.setdefault("AWS_DEFAULT_REGION", "ap-southeast-3")
    template, problems = decode_str(open(path, encoding="utf-8").read())
    if problems:
        sys.exit("\n".join(str(p) for p in problems))
    # `sam build` replaces local code folders with the uploaded artefacts; stand in for them.
    for resource in template.get("Resources", {}).values():
        if resource.get("Type") == "AWS::Serverless::Function":
            resource.setdefault("Properties", {})["CodeUri"] = "s3://bucket/artefact.zip"
    template.get("Globals", {}).get("Function", {}).pop("CodeUri", None)
    try:
        expanded = transform(template, {}, NoManagedPolicies())
    except InvalidDocumentException as error:
        sys.exit("SAM transform failed:\n" + "\n".join(f"  {cause}" for cause in error.causes))
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as out:
        json.dump(expanded, out)
    print(f"SAM transform: {len(expanded['Resources'])} CloudFormation resources")
    sys.exit(subprocess.call([os.path.join(os.path.dirname(sys.executable), "cfn-lint"), out.name]))


if __name__ == "__main__":
    main(sys.argv[1])
