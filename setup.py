from setuptools import find_packages, setup

setup(
    name="tornsf",
    version="0.1.0",
    description="A Tornado proxy that gives browser apps a plain REST face on the Salesforce REST API",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=["tornsf", "tornsf.*", "dialects", "dialects.*"]),
    include_package_data=True,
    package_data={"tornsf": ["static/*", "sandbox/templates/*"]},
    install_requires=[
        "tornado>=6.4",
        "pycurl>=7.45",
        "python-dotenv>=1.0",
        # Fernet (AES-CBC + HMAC) seals the Salesforce tokens inside the session
        # cookie; hand-written crypto would be the riskiest code in the project.
        "cryptography>=42",
    ],
    extras_require={
        "test": [
            "pytest>=8",
            "pytest-tornado>=0.8",
            # pytest-tornado 0.8.1 imports pkg_resources, which setuptools
            # 82 and later no longer ship; Python 3.12 venvs have no setuptools.
            "setuptools<82",
            "pytest-timeout>=2.2",
            "requests>=2.31",
            "hypothesis>=6.100",
        ],
        "bench": ["matplotlib>=3.8"],
    },
    entry_points={"console_scripts": ["tornsf = tornsf.cli:main"]},
)
