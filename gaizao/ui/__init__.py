"""What every app's pages share below the apps: navigation entries and bilingual text (DESIGN.md layers)."""
